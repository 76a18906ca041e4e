# Two commands do everything on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
# Nothing is cached outside the repository (pip's cache included).
export PIP_CACHE_DIR := $(CURDIR)/.cache/pip
export PIP_DISABLE_PIP_VERSION_CHECK := 1
SOURCES ?= ../shared/knowledge-sources

.PHONY: run install test test-postgres test-fast lint bench knowledge vectors clean

$(STAMP): pyproject.toml requirements/min-constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c requirements/min-constraints.txt -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP) ## create .venv (idempotent) and install the package with its pinned lower bounds

run: install ## build the index, then chat in the terminal (or answer examples when stdin is not a terminal)
	$(BIN)/compliance-assistant index build
	$(BIN)/compliance-assistant chat

test: install ## the whole suite on SQLite, slow end-to-end tests included; then the storage tests on PostgreSQL
	$(BIN)/python -m pytest
	$(BIN)/python -m pytest --database=postgres -m storage

test-postgres: install ## the whole suite on a throwaway PostgreSQL cluster (initdb/pg_ctl), one database per test
	$(BIN)/python -m pytest --database=postgres

test-fast: install ## skip the slow end-to-end tests
	$(BIN)/python -m pytest -m "not slow"

lint: install ## ruff and mypy
	$(BIN)/ruff check assistant integrations tests scripts
	$(BIN)/mypy

bench: install ## measure and write docs/benchmarks.md
	$(BIN)/python scripts/bench.py --out docs/benchmarks.md

knowledge: install ## regenerate knowledge/ from the official sources (SOURCES=dir), then its vectors
	$(BIN)/python -m assistant.knowledge.build --sources $(SOURCES)
	$(BIN)/python -m assistant.precompute

vectors: install ## recompute the shipped vector cache (knowledge/vectors/) with sentence-transformers
	$(BIN)/python -m assistant.precompute

clean:
	rm -rf $(VENV) .cache .pytest_cache .mypy_cache .ruff_cache dist build
