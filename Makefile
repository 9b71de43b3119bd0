# Two commands on a fresh clone: `make agreement DEAL=acme` and `make test`. The first run creates .venv.
# Deal and document names reach the shell only through the environment ("$$DEAL"), never spliced into
# the recipe text, so a value cannot run shell code.

VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# A value given on the command line or in the environment is a recursively expanded variable: make would run a
# `$(shell ...)` in it when exporting. Each is redefined, unexpanded, as a simple variable, so it reaches the
# shell as the literal text typed.
$(foreach v,DEAL DOC FROM TO TODAY,$(if $(filter command line environment override,$(origin $v)),$(eval override $v := $$(value $v))))
export DEAL DOC FROM TO TODAY

.PHONY: textconv-config agreement redline validate test lint format bench schema house-style site clean-venv

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	@touch $(STAMP)

# `git diff` of .docx files shows their text (see .gitattributes); harmless outside a git checkout.
textconv-config: $(STAMP)
	@git rev-parse --git-dir >/dev/null 2>&1 && git config diff.docx.textconv "$(CURDIR)/$(BIN)/assembler textconv" || true

agreement: textconv-config  ## build DEAL's current document (DOC= another document of its model)
	@test -n "$$DEAL" || { echo "Error: usage: make agreement DEAL=<deal> [DOC=<document>]" >&2; exit 2; }
	$(BIN)/assembler build "$$DEAL" $${DOC:+--document "$$DOC"}

redline: textconv-config  ## redline two rounds of DEAL's document (FROM= TO= DOC= optional)
	@test -n "$$DEAL" || { echo "Error: usage: make redline DEAL=<deal> [FROM=<n>] [TO=<m>] [DOC=<document>]" >&2; exit 2; }
	$(BIN)/assembler redline "$$DEAL" $${DOC:+--document "$$DOC"} $${FROM:+--from "$$FROM"} $${TO:+--to "$$TO"}

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

bench: $(STAMP)  ## time a new round with redline against the raw pandoc/docxtpl/python-redlines floor
	$(BIN)/python bench/bench.py

schema: $(STAMP)  ## regenerate schemas/*.json from the pydantic models
	$(BIN)/assembler schema

site: $(STAMP)  ## the portfolio as a static web site in site/ (open site/index.html; TODAY= pins the clock)
	$(BIN)/assembler site $${TODAY:+--today "$$TODAY"}

house-style: $(STAMP)  ## regenerate clause_library/templates/*.docx from assembler/house_style.py
	$(BIN)/assembler house-style

clean-venv:
	rm -rf $(VENV)
