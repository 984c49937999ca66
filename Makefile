# Two commands: `make run` (set up and serve the demo site) and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
DEV_ENV := DJANGO_DEBUG=1

.PHONY: run test install lint bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $@

install: $(VENV)/.installed

run: install
	$(DEV_ENV) $(PY) manage.py migrate --noinput
	$(DEV_ENV) $(PY) manage.py seed_demo
	$(DEV_ENV) $(PY) manage.py runserver 127.0.0.1:8000

test: install
	@if [ -x /usr/bin/chromium ]; then echo "Chromium found: browser tests will run."; \
	else echo "Chromium not found (/usr/bin/chromium): browser tests will be SKIPPED. Install it with: apt-get install -y chromium"; fi
	$(PY) -m pytest

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

bench: install
	$(PY) bench/renditions.py
	$(PY) bench/search.py

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
