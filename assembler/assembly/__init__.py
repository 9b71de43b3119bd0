"""Assembly: a deal and a document → the ordered clauses rendered in the sandbox → the Markdown twin."""
