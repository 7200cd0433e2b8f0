# Two commands for a newcomer: `make run` and `make test`. Everything else here is what they need.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
CIVIC := $(VENV)/bin/civic
ASSETS := govuk_assets

.PHONY: run test setup system-deps lint bench clean

## make run: set up, migrate, load demo data, start clamd if installed, serve on $HOST:$PORT (default 127.0.0.1:8000)
## in development: APP_ENV is development unless you set it (the kept-mail page needs it said explicitly)
run: export APP_ENV ?= development
run: setup
	@$(CIVIC) db upgrade
	@echo "Demo sign-in (back office):"
	@$(CIVIC) demo-data
	@$(PY) -m shared.clamd_local start --dir $${DATA_DIR:-var}/clamav || true
	@CLAMD_SOCKET=$${CLAMD_SOCKET:-$$(realpath -m $${DATA_DIR:-var}/clamav/clamd.sock)} exec $(CIVIC) serve

## make test: the same set-up, Debian's chromium and clamav-daemon when missing, then the whole suite
test: setup system-deps
	$(PY) -m pytest

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

system-deps:
	@missing=""; \
	command -v chromium >/dev/null || [ -x /usr/bin/chromium ] || missing="$$missing chromium fonts-liberation"; \
	[ -x /usr/sbin/clamd ] || missing="$$missing clamav-daemon"; \
	if [ -n "$$missing" ]; then \
	  sudo=""; [ "$$(id -u)" = 0 ] || sudo="sudo"; \
	  echo "Installing Debian packages:$$missing"; \
	  $$sudo apt-get update -q && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -q $$missing; \
	fi

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

bench: setup
	@for script in bench/*.py; do echo "== $$script"; PYTHONPATH=. $(PY) $$script; done

clean:
	rm -rf $(VENV) $(ASSETS)/node_modules $(ASSETS)/dist e2e-report
