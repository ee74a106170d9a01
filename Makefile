# CareCircle developer commands. `make run` and `make test` work on a fresh machine with
# Python 3.12+ and make; everything else is installed from the package registries.

PYTHON ?= python3
PORT ?= 8000
HOST ?= 127.0.0.1
UV_VERSION := 0.13.8
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
PY := $(VENV)/bin/python
PG_URL ?= postgres://postgres@127.0.0.1:5432/carecircle
REDIS_URL ?= redis://127.0.0.1:6379/0
export UV_PYTHON_DOWNLOADS := never

.PHONY: install run worker test test-embedded test-scale check lint format typecheck migrations-check openapi openapi-check demo bench clean

$(UV):
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else "CareCircle needs Python 3.12 or newer; found " + sys.version.split()[0] + ". Set PYTHON=python3.12.")'
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.installed: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --all-extras --python "$$($(PYTHON) -c 'import sys; print(sys.executable)')"
	@touch $@

install: $(VENV)/.installed

run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo
	@echo "CareCircle is starting on http://$(HOST):$(PORT)/ (Ctrl+C stops it)"
	@bash -c 'trap "kill 0" EXIT; $(PY) manage.py db_worker --interval 1 & \
		$(PY) manage.py run_scheduler & \
		$(VENV)/bin/uvicorn config.asgi:application --host $(HOST) --port $(PORT) --lifespan off'

worker: install
	$(PY) manage.py db_worker

demo: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo

# The whole suite on the embedded default and, side by side, on PostgreSQL + Redis when they answer
# (under CI=true they must answer: a missing service fails the run instead of skipping it).
test: install
	bash scripts/test.sh

test-embedded: install
	$(PY) -m pytest

test-scale: install
	CARECIRCLE_DATABASE_URL=$(PG_URL) CARECIRCLE_REDIS_URL=$(REDIS_URL) $(PY) -m pytest

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

typecheck: install
	$(VENV)/bin/mypy carecircle config

migrations-check: install
	$(PY) manage.py makemigrations --check --dry-run

openapi: install
	$(PY) manage.py export_openapi --output docs/openapi.json

openapi-check: install
	$(PY) manage.py export_openapi --check docs/openapi.json

check: lint typecheck migrations-check openapi-check test

bench: install
	@echo "See bench/README.md"

clean:
	rm -rf $(VENV) $(TOOLS) var .pytest_cache .mypy_cache .ruff_cache
