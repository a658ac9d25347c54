# The two commands of the quick start: `make report` and `make test`. Each sets up what it
# needs on a fresh machine: the virtual environment, the Python packages (pyproject.toml is
# the single source), and the system packages the tests use.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
SYSTEM_STAMP := $(VENV)/.system-deps
FONT_STAMP := $(VENV)/.fonts
QUARTER ?= latest
REPORT_LANG ?= zh

.PHONY: help install system-deps test lint docs report lab sample bench clean

help:
	@echo "make report   set up and write the latest sample quarter's reports to outputs/"
	@echo "make test     set up, lint (ruff) and run the test suite"
	@echo "make lint     ruff check (settings in pyproject.toml)"
	@echo "make docs     regenerate docs/reference.md from the code"
	@echo "make lab      open JupyterLab on the notebooks"
	@echo "make sample   regenerate data/samples"
	@echo "make bench    run the benchmarks (minutes; not part of the tests)"

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test,dev,spark]"
	touch $(STAMP)

install: $(STAMP)

# System packages, from the machine's Debian/Ubuntu packages when missing (needs root and
# apt-get; elsewhere install them yourself). `make report` needs a font with Chinese
# characters (fonts-noto-cjk) for the charts and HTML reports, chromium for the PDFs and
# poppler-utils (pdftotext) for the personal-data scan of the PDFs; `make test` also needs the
# PostgreSQL server binaries (initdb, pg_ctl) for the database tests, chromium-driver, and a
# headless Java runtime (default-jre-headless) for the local Spark session of the Spark tests.
# Re-checked whenever this Makefile changes.
define install_missing
	@missing=""; \
	if [ ! -x /usr/bin/chromium ]; then missing="$$missing chromium"; fi; \
	if ! command -v pdftotext >/dev/null 2>&1; then missing="$$missing poppler-utils"; fi; \
	if [ "$(1)" = "test" ]; then \
	  if ! command -v initdb >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
	    missing="$$missing postgresql"; fi; \
	  if [ ! -x /usr/bin/chromium ]; then missing="$$missing chromium-driver"; fi; \
	  if ! command -v java >/dev/null 2>&1; then missing="$$missing default-jre-headless"; fi; \
	fi; \
	if ! ls /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc >/dev/null 2>&1 && \
	   ! (command -v fc-list >/dev/null 2>&1 && fc-list :lang=zh family | grep -q .); then \
	  missing="$$missing fonts-noto-cjk"; fi; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing system packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	    if command -v fc-cache >/dev/null 2>&1; then fc-cache -f >/dev/null 2>&1 || true; fi; \
	  else echo "note: missing system packages:$$missing (needs root and apt-get); install them, or the tests that need them are skipped"; fi; \
	fi
endef

$(FONT_STAMP): $(STAMP) Makefile
	$(call install_missing,report)
	touch $(FONT_STAMP)

$(SYSTEM_STAMP): $(STAMP) Makefile
	$(call install_missing,test)
	touch $(SYSTEM_STAMP)

system-deps: $(SYSTEM_STAMP)

test: $(STAMP) $(SYSTEM_STAMP) lint
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .

docs: $(STAMP)
	$(BIN)/python docs/generate.py

# The latest sample quarter's reports (or QUARTER=2026Q2, REPORT_LANG=en) into outputs/.
report: $(STAMP) $(FONT_STAMP)
	$(BIN)/kit run --quarter $(QUARTER) --lang $(REPORT_LANG)

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/

sample: $(STAMP)
	$(BIN)/kit sample --out data/samples

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_kpis.py
	$(BIN)/python benchmarks/bench_engine.py
	$(BIN)/python benchmarks/bench_importance.py
	$(BIN)/python benchmarks/bench_report.py
	$(BIN)/python benchmarks/bench_large_page.py

clean:
	rm -rf $(VENV) .pytest_cache outputs/*/
