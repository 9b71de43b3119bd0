"""The clause library: every schema of Legal's files and the one loader."""
