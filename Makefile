# The two commands of the quick start: `make report` and `make test`. Each sets up what it
# needs on a fresh machine: the virtual environment, the Python packages (pyproject.toml is
# the single source), and the system packages the tests use.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
SYSTEM_STAMP := $(VENV)/.system-deps
QUARTER ?= latest

.PHONY: help install system-deps test report lab sample bench clean

help:
	@echo "make report   set up and write the latest sample quarter's reports to outputs/"
	@echo "make test     set up and run the test suite"
	@echo "make lab      open JupyterLab on the notebooks"
	@echo "make sample   regenerate data/samples"
	@echo "make bench    run the benchmarks (minutes; not part of the tests)"

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test,dev]"
	touch $(STAMP)

install: $(STAMP)

# PostgreSQL server binaries for the database tests (initdb, pg_ctl), from the machine's
# packages when missing. Needs root and apt-get; elsewhere install them yourself.
$(SYSTEM_STAMP): $(STAMP)
	@if ! command -v initdb >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing the PostgreSQL server (for the database tests)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; \
	  else echo "note: no PostgreSQL server binaries; the database tests will be skipped"; fi; \
	fi
	touch $(SYSTEM_STAMP)

system-deps: $(SYSTEM_STAMP)

test: $(STAMP) $(SYSTEM_STAMP)
	$(BIN)/python -m pytest

report: $(STAMP)
	$(BIN)/kit validate data/samples
	$(BIN)/kit kpis --quarter $(QUARTER)

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/

sample: $(STAMP)
	$(BIN)/kit sample --out data/samples

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_kpis.py
	$(BIN)/python benchmarks/bench_importance.py

clean:
	rm -rf $(VENV) .pytest_cache outputs/*/
