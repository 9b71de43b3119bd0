"""Governance of the clause library: template analysis, `library lint` and `library impact`."""
