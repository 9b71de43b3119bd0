"""The negotiation playbook as checks: findings, positions, the clock, and the concession ledger."""
