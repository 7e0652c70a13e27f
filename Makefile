# Two commands for a fresh machine: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: setup run test lint bench fuzz clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

setup: $(BIN)/.installed

# Links baked into rendered records point at the address `make run` serves on.
run: export JATS_OAI_PUBLIC_URL ?= http://$(HOST):$(PORT)
run: setup
	$(BIN)/jats-oai records load --full records
	$(BIN)/jats-oai serve --host $(HOST) --port $(PORT)

lint: setup
	$(BIN)/ruff check .

test: setup lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: setup
	$(BIN)/python -m bench

# Coverage-guided fuzzing of the JATS reader and the message builder, bounded in time;
# crashes are kept in tests/data/fuzz and replayed by the test suite.
FUZZ_SECONDS ?= 60
fuzz: setup
	$(BIN)/pip install --quiet -e '.[bench]'
	$(BIN)/python -m bench.fuzz --seconds $(FUZZ_SECONDS)

clean:
	rm -rf $(VENV) instance .pytest_cache
