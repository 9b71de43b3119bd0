"""Intake of untrusted counterparty files: package safety, tracked changes, and clause-by-clause triage."""
