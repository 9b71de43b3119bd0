# Two commands on a fresh clone: `make agreement DEAL=acme` and `make test`. The first run creates .venv.
# Deal and document names reach the shell only through the environment ("$$DEAL"), never spliced into
# the recipe text, so a value cannot run shell code.

VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

export DEAL DOC FROM TO

.PHONY: agreement redline validate test lint format bench schema house-style clean-venv

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	@touch $(STAMP)

agreement: $(STAMP)  ## build DEAL's current document (DOC= another document of its model)
	@test -n "$$DEAL" || { echo "Error: usage: make agreement DEAL=<deal> [DOC=<document>]" >&2; exit 2; }
	$(BIN)/assembler build "$$DEAL" $${DOC:+--document "$$DOC"}

validate: $(STAMP)
	@test -n "$$DEAL" || { echo "Error: usage: make validate DEAL=<deal>" >&2; exit 2; }
	$(BIN)/assembler validate "$$DEAL"

test: $(STAMP)  ## the whole test suite
	$(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check assembler tests
	$(BIN)/ruff format --check assembler tests
	$(BIN)/mypy assembler

format: $(STAMP)
	$(BIN)/ruff check --fix assembler tests
	$(BIN)/ruff format assembler tests

schema: $(STAMP)  ## regenerate schemas/*.json from the pydantic models
	$(BIN)/assembler schema

house-style: $(STAMP)  ## regenerate clause_library/templates/*.docx from assembler/house_style.py
	$(BIN)/assembler house-style

clean-venv:
	rm -rf $(VENV)
