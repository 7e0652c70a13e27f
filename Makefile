# Two commands for a fresh machine: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: setup schemas run test lint bench fuzz clean

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

# gunicorn, one worker per CPU, access log on stdout; Ctrl-C stops it, SIGHUP reloads it.
# The first run writes instance/config.toml (public URL, store) that every command reads.
# A file of records/ that is not valid JATS is reported and left out; the others are served.
run: schemas
	$(BIN)/jats-oai serve --host $(HOST) --port $(PORT) --load records --access-log -

lint: setup
	$(BIN)/ruff check .

# Chromium and a throw-away PostgreSQL cluster are provisioned for the run (see the script),
# so the suite runs against SQLite and PostgreSQL alike.
test: schemas lint
	PYTHON_BIN=$(BIN)/python scripts/with-test-services $(BIN)/python -m pytest $(PYTEST_ARGS)

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
