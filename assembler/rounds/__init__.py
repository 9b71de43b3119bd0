"""Rounds in git: the one git module, the round/trailer/tag vocabulary, executions, and redlines."""
