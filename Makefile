# Two commands for a newcomer: `make run` and `make test`. Everything else here is what they need.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
CIVIC := $(VENV)/bin/civic
ASSETS := govuk_assets

.PHONY: run test setup system-deps clamav lint bench clean

## make run: set up, install ClamAV when missing, migrate, load demo data, serve on $HOST:$PORT (default
## 127.0.0.1:8000) with a local clamd that stops with the server (unless CLAMD_SOCKET or CLAMD_HOST names one)
## in development: APP_ENV is development unless you set it (the kept-mail page needs it said explicitly)
run: export APP_ENV ?= development
run: setup clamav
	@$(CIVIC) db upgrade
	@echo "Demo sign-in (back office):"
	@$(CIVIC) demo-data
	@if [ -n "$${CLAMD_SOCKET}$${CLAMD_HOST}" ]; then exec $(CIVIC) serve; fi; \
	clamd_dir=$$(realpath -m "$${DATA_DIR:-var}/clamav"); \
	CLAMD_SOCKET="$$clamd_dir/clamd.sock" exec $(CIVIC) serve --clamd-dir "$$clamd_dir"

## make test: the same set-up, Debian's chromium and clamav-daemon when missing, then the whole suite,
## one pytest-xdist worker per core (tests/scheduling.py: whole modules to a worker, the journeys on one;
## each worker has its own PostgreSQL schema and clamd)
test: setup system-deps
	$(PY) -m pytest -n auto

setup: $(VENV)/.installed $(ASSETS)/dist/VERSION

$(PY):
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: $(PY) requirements.lock pyproject.toml
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $@

$(ASSETS)/dist/VERSION: $(ASSETS)/package.json $(ASSETS)/package-lock.json $(ASSETS)/build.py | $(PY)
	cd $(ASSETS) && npm ci --no-audit --no-fund --loglevel=error
	$(PY) $(ASSETS)/build.py

# Debian packages, installed only when missing (with sudo when not root). CLAMD and CHROMIUM are what is
# looked for: tests/shared/test_clamd_local.py points them elsewhere to see the install happen.
CLAMD ?= $(or $(shell command -v clamd),/usr/sbin/clamd)
CHROMIUM ?= $(or $(shell command -v chromium),/usr/bin/chromium)
define apt_install
sudo=""; [ "$$(id -u)" = 0 ] || sudo="sudo"; \
echo "Installing Debian packages: $(1)"; \
$$sudo apt-get update -q && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -q $(1)
endef

clamav:
	@[ -x "$(CLAMD)" ] || { $(call apt_install,clamav-daemon); }

system-deps:
	@missing=""; \
	[ -x "$(CHROMIUM)" ] || missing="chromium fonts-liberation"; \
	[ -x "$(CLAMD)" ] || missing="$$missing clamav-daemon"; \
	[ -z "$$missing" ] || { $(call apt_install,$$missing); }

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

bench: setup
	@for script in bench/*.py; do echo "== $$script"; PYTHONPATH=. $(PY) $$script; done

clean:
	rm -rf $(VENV) $(ASSETS)/node_modules $(ASSETS)/dist e2e-report
