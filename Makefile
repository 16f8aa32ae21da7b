# Two commands matter: `make demo` (run the product with demo data) and `make test`.
# Both bootstrap everything on a machine with only Python 3.11 and make: a virtualenv with the
# pinned dependencies and, unless DATABASE_URL / REDIS_URL are set, embedded PostgreSQL and
# Redis under .data/.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements-dev.txt | cksum | cut -d' ' -f1)
PYTEST_ARGS ?=

.PHONY: install demo test lint format bench mutate backup stop-embedded clean

install: $(STAMP)

$(STAMP): requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "RPO Portal needs Python 3.11 (set PYTHON=/path/to/python3.11)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	rm -f $(VENV)/.installed-* && touch $@

demo: install
	DJANGO_DEBUG=true $(BIN)/python manage.py migrate --noinput
	DJANGO_DEBUG=true $(BIN)/python manage.py seed_demo
	@echo
	@echo "RPO Portal: http://127.0.0.1:8000/  (Ctrl-C stops web, worker and beat)"
	@echo
	DJANGO_DEBUG=true PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho start -f Procfile

test: install
	$(BIN)/pytest $(PYTEST_ARGS)

# lint-imports checks the layer order of docs/architecture.md (contracts in pyproject.toml).
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: install
	$(BIN)/python -m bench

# Mutation testing of the rule modules (mutmut; about an hour): scores to docs/mutation.md.
# Not part of `make test`; run before changing a rule module's tests. MODULES=sla/evaluation.py
# runs one.
mutate: install
	$(BIN)/python -m bench.mutate $(MODULES)

# A consistent dump of the database (pg_dump custom format) under .data/backups/ (RPO_BACKUP_DIR).
backup: install
	$(BIN)/python manage.py backup

stop-embedded: install
	$(BIN)/python -m rpo_portal.embedded stop

clean:
	rm -rf $(VENV) .data
