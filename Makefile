# Two commands for a fresh machine: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: setup schemas run test lint bench clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

setup: $(BIN)/.installed

# The official schemas, downloaded once and checked against schemas/manifest.json (a second
# run downloads nothing; ../shared/schemas beside the repository is used as is).
schemas: setup
	$(BIN)/jats-oai schemas fetch

# Links baked into rendered records point at the address `make run` serves on.
run: export JATS_OAI_PUBLIC_URL ?= http://$(HOST):$(PORT)
run: schemas
	$(BIN)/jats-oai records load --full records
	$(BIN)/jats-oai serve --host $(HOST) --port $(PORT)

lint: setup
	$(BIN)/ruff check .

test: schemas lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: setup
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) instance .pytest_cache
