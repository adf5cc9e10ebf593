# Trygg: the two commands a new user needs are `make demo` and `make test` (see README.md).
# Each installs what is missing and does nothing twice: stamps record what is done.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMPS := .make
export TRYGG_DB_NAME ?= trygg
HOST ?= 127.0.0.1
PORT ?= 8000
# The demo runs without debug (config/demo_settings.py): its secret key is made once, kept out of git
# (var/ is ignored) with mode 600, and handed to Django in the environment.
SECRET_KEY_FILE ?= var/secret_key
DEMO_ENV = DJANGO_SETTINGS_MODULE=config.demo_settings TRYGG_SECRET_KEY="$$(cat $(SECRET_KEY_FILE))"

.PHONY: help demo test check bench system db deps assets serve prod clean totp

help:
	@echo "make demo   – install what is missing, load the Upplands Väsby demo data, serve http://$(HOST):$(PORT)/"
	@echo "make test   – install what is missing and run every test (real PostGIS, real Chromium)"
	@echo "make check  – ruff (lint, format, complexity) and mypy"
	@echo "make bench  – benchmarks side by side with peer libraries; writes docs/performance.md"
	@echo "make prod   – nginx in front of gunicorn, as in production (settings from the environment)"

$(STAMPS):
	@mkdir -p $(STAMPS)

# Debian packages (PostgreSQL + PostGIS, GDAL, Chromium, gettext, npm); the script skips what is there.
$(STAMPS)/system: scripts/ensure_system.sh | $(STAMPS)
	@scripts/ensure_system.sh
	@touch $@
system: $(STAMPS)/system

$(VENV)/bin/python: | $(STAMPS)/system
	$(PYTHON) -m venv $(VENV)

$(STAMPS)/venv: pyproject.toml $(VENV)/bin/python | $(STAMPS)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	@touch $@

node_modules/.package-lock.json: package.json package-lock.json | $(STAMPS)/system
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error

mapapp/static/vendor/.stamp: node_modules/.package-lock.json scripts/vendor_assets.sh
	@scripts/vendor_assets.sh
	@touch $@
assets: mapapp/static/vendor/.stamp

# The English catalogue is build output: Swedish ids from the code, English from locale/en/translations/.
I18N_SOURCES := $(shell find config core geo layers surveys est basemap followup mapapp accounts statutory templates locale/en/translations \
	-name '*.py' -o -name '*.html' -o -name '*.json' -o -name '*.txt' 2>/dev/null)
locale/en/LC_MESSAGES/django.mo: $(I18N_SOURCES) scripts/build_locale.sh scripts/po_fill.py | $(STAMPS)/venv
	@PY=$(PY) scripts/build_locale.sh

deps: $(STAMPS)/venv assets locale/en/LC_MESSAGES/django.mo

# The server must run every time (it may have stopped), so this is not a stamp.
db: $(STAMPS)/system
	@scripts/ensure_db.sh

$(SECRET_KEY_FILE):
	@mkdir -p $(@D)
	@(umask 077 && $(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))' > $@.tmp)
	@chmod 600 $@.tmp && mv $@.tmp $@

demo: deps db $(SECRET_KEY_FILE)
	@$(DEMO_ENV) $(PY) manage.py migrate --no-input -v 0
	@$(DEMO_ENV) $(PY) manage.py load_demo
	@$(MAKE) --no-print-directory serve

serve: $(SECRET_KEY_FILE)
	@echo "Trygg runs on http://$(HOST):$(PORT)/  (stop with Ctrl-C)"
	@$(DEMO_ENV) $(VENV)/bin/gunicorn config.wsgi --bind $(HOST):$(PORT) --workers 2 --threads 24 \
		--access-logfile - --log-level warning

# As in production: nginx (deploy/nginx.conf) on $(HOST):$(PORT) in front of gunicorn, which nginx
# shields from slow clients (docs/deployment.md). Settings come from the environment.
prod: deps db
	@HOST=$(HOST) PORT=$(PORT) PY=$(PY) scripts/serve_prod.sh

# The current two-factor code of a demo user: make totp USER=admin
totp: deps $(SECRET_KEY_FILE)
	@$(DEMO_ENV) $(PY) manage.py demo_totp $(USER)

test: deps db
	$(VENV)/bin/pytest

check: deps
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .

bench: deps db
	$(PY) -m pip install --quiet -e '.[test,bench]'
	$(PY) -m bench

clean:
	rm -rf $(STAMPS) node_modules mapapp/static/vendor var/static
