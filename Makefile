# drivers: key-driver analysis of CX surveys. `make help` lists the targets.
.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
STUDY := data/bank_loan/study.yaml
export MPLBACKEND := Agg
# Two cores: tests and notebooks run in two workers.
WORKERS ?= 2

.PHONY: help install report test lab bench validity lint data clean

help: ## list the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev,notebooks,cjk]"
	$(PY) -m drivers.subset_sweep  # compile the Shapley kernel once (numba caches it on disk)
	touch $(STAMP)

install: $(STAMP) ## create .venv and install the package with notebook and test tools

# The data check, the kernel compilation (once after a pull, not in each worker) and the
# report notebook start together, the metrics workbook once the check passes: the notebook
# spends its first seconds starting a kernel on one core, and a failed check stops it before
# it has read the study, the check's problems on the screen. Jobs in the background ignore Ctrl-C,
# so a Ctrl-C stops them through the trap (SIGTERM: drivers answers with one line and no
# partial file, papermill shuts its kernel down).
report: $(STAMP) ## build the bank-loan PDF, workbook and deck in reports/ (installs first)
	mkdir -p reports
	$(PY) -m drivers.subset_sweep & compiling=$$!; \
	  $(VENV)/bin/drivers validate $(STUDY) > reports/bank_loan_data_quality.txt.part & checking=$$!; \
	  $(VENV)/bin/papermill --log-output notebooks/report.ipynb reports/bank_loan_report.ipynb -p date 2026-11-23 -p pdf_name bank_loan_report.pdf -p workbook_name bank_loan_drivers.xlsx -p deck_name bank_loan_deck.pptx & notebook=$$!; \
	  metrics=; stop() { kill $$compiling $$checking $$metrics $$notebook 2>/dev/null; wait; rm -f reports/bank_loan_data_quality.txt.part; }; \
	  trap 'stop; exit 130' INT TERM; \
	  if ! wait $$checking; then stop; exit 1; fi; \
	  mv reports/bank_loan_data_quality.txt.part reports/bank_loan_data_quality.txt; \
	  $(VENV)/bin/drivers metrics $(STUDY) --out reports/bank_loan_metrics.xlsx & metrics=$$!; \
	  wait $$compiling; wait $$notebook; built=$$?; wait $$metrics && exit $$built

test: $(STAMP) ## run the whole test suite, doctests and notebooks (installs first)
	$(PY) -m drivers.subset_sweep  # compiled once here, not in every test worker
	DRIVERS_BOOTSTRAP=100 $(PY) -m pytest -n $(WORKERS) -q --doctest-modules drivers tests --nbmake notebooks/0*.ipynb

lab: $(STAMP) ## open JupyterLab on notebooks/
	$(VENV)/bin/jupyter lab notebooks/

bench: $(STAMP) ## print speed and memory benchmarks (front door beside core; relaimpo if R has it)
	$(PY) -m drivers.subset_sweep
	$(PY) benchmarks/bench_shapley.py
	$(PY) benchmarks/bench_scale.py
	$(PY) benchmarks/bench_parallel.py
	$(PY) benchmarks/bench_big.py

validity: $(STAMP) ## print coverage and error rates of intervals and tests (every benchmarks/validity*.py)
	@set -e; for script in benchmarks/validity*.py; do echo "== $$script"; $(PY) $$script; done

lint: $(STAMP) ## check style with ruff
	$(VENV)/bin/ruff check drivers tests benchmarks

data: $(STAMP) ## regenerate data/bank_loan byte-identically from its seed
	$(PY) -m drivers.simulate --out data/bank_loan

clean: ## remove the virtualenv, caches and generated reports
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis reports/*.pdf reports/*.png reports/*.xlsx reports/*.txt reports/*.ipynb reports/*.pptx
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
