"""Deals: the deal contract (agreements/<deal>/deal.yaml) and the paths of a deal in the workspace."""
