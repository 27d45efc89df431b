# Two entry points for a fresh machine: `make demo` and `make test` (CI runs the latter).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
SQL_PATHS := models macros tests/dbt analyses

.PHONY: demo test lint install install-spark clean

$(BIN)/omni: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

install: $(BIN)/omni

# dbt-spark and pyspark (~460 MB): only the tests and `omni build --target spark` need them.
$(VENV)/.spark-installed: pyproject.toml $(BIN)/omni
	$(BIN)/pip install --quiet -e ".[dev,spark]"
	touch $@

install-spark: $(VENV)/.spark-installed

demo: install
	$(BIN)/omni demo

lint: install
	$(BIN)/ruff check loaders dashboard tests bench
	$(BIN)/ruff format --check loaders dashboard tests bench
	# The dbt templater only needs a database it can open, not the raw tables.
	OMNI_WAREHOUSE=:memory: $(BIN)/sqlfluff lint $(SQL_PATHS)

test: lint install-spark
	$(BIN)/pytest

clean:
	rm -rf target logs warehouse inbox
