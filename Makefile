# Two commands do all the set-up: `make demo` (run the product) and `make test` (full suite).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=
# `make demo PORT=8080` when 8000 is taken.
PORT ?= 8000

.PHONY: demo test lint typecheck bench-map mutate clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

## Set up (first time) and run the demo on http://127.0.0.1:$(PORT) (SQLite under ./var).
demo: $(STAMP)
	$(BIN)/straz demo --port $(PORT)

## Set up (first time) and run the full test suite (SQLite, or PostgreSQL when DATABASE_URL is set).
test: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks

typecheck: $(STAMP)
	$(BIN)/lint-imports
	$(BIN)/mypy

## The 3-million-report map benchmark (not part of the tests; takes a while).
## A quick run: make bench-map BENCH_MAP_REPORTS=2000
BENCH_MAP_REPORTS ?= 3000000
bench-map: $(STAMP)
	$(BIN)/python benchmarks/bench_map.py --reports $(BENCH_MAP_REPORTS)

## Mutation testing (mutmut) of the rule, deadline, visibility and notice modules; not in CI.
## Configured in pyproject [tool.mutmut]; see docs/testing.md. Niced, one test process.
mutate: $(STAMP)
	rm -f mutants/var/mutmut-test.sqlite3*
	nice -n 19 $(BIN)/mutmut run --max-children 1
	$(BIN)/mutmut results

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
