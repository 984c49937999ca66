# Two commands: `make run` (set up and serve the demo site) and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
DEV_ENV := DJANGO_DEBUG=1
# What `check --deploy` is run with: production as the README describes it, debug off.
PRODUCTION_ENV := env -u DJANGO_DEBUG -u REDIS_URL SECRET_KEY=only-for-check-deploy-never-a-real-secret-0123456789 \
	SITE_URL=https://news.example.com ALLOWED_HOSTS=news.example.com DATABASE_URL=sqlite:///:memory:

.PHONY: run test install lint bench clean axe-core

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $@

install: $(VENV)/.installed

# The newest axe-core for the accessibility tests (tests/axe.py), from npm where there is npm;
# without it, the tests use the older copy axe-playwright-python ships, and say so.
AXE_CORE_VERSION := 4.14.1
AXE_CORE := $(VENV)/axe-core-$(AXE_CORE_VERSION).min.js
$(AXE_CORE): | $(VENV)/.installed
	@if command -v npm >/dev/null 2>&1; then \
	  dir=$$(mktemp -d) && (cd $$dir && npm pack --silent axe-core@$(AXE_CORE_VERSION) >/dev/null \
	    && tar -xzf axe-core-$(AXE_CORE_VERSION).tgz package/axe.min.js) \
	    && mv $$dir/package/axe.min.js $@ \
	    || echo "axe-core $(AXE_CORE_VERSION) could not be fetched: the accessibility tests use axe-playwright-python's own."; \
	  rm -rf $$dir; \
	else echo "npm not found: the accessibility tests use axe-playwright-python's own axe-core."; fi

axe-core: $(AXE_CORE)

run: install
	$(DEV_ENV) $(PY) manage.py migrate --noinput
	$(DEV_ENV) $(PY) manage.py seed_demo
	$(DEV_ENV) $(PY) manage.py runserver 127.0.0.1:8000

test: install axe-core
	@if [ -x /usr/bin/chromium ]; then echo "Chromium found: browser tests will run."; \
	else echo "Chromium not found (/usr/bin/chromium): browser tests will be SKIPPED. Install it with: apt-get install -y chromium"; fi
	$(PY) -m pytest

# The checks besides the tests; CI and the pre-commit hook run exactly these. lint-imports
# holds the layers that pyproject.toml declares: no import may point back up.
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-logo
	$(DEV_ENV) DATABASE_URL=sqlite:///:memory: $(PY) manage.py makemigrations --check --dry-run
	$(PRODUCTION_ENV) $(PY) manage.py check --deploy --fail-level WARNING

# Results go to docs/benchmarks.md. cache_hits needs wrk (apt-get install wrk); publish_latency
# needs PostgreSQL, Redis and Varnish on this machine, as the tests do.
bench: install
	$(PY) bench/renditions.py
	$(PY) bench/search.py
	$(PY) bench/sanitise.py
	$(PY) bench/pages.py
	$(PY) bench/imports.py
	$(PY) bench/cache_hits.py --write
	$(PY) bench/publish_latency.py --write

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
