# Two commands for a newcomer: `make run` and `make test`. Both set everything up first.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
PORT ?= 8080

.PHONY: setup run test bench clean

AXE := tests/web/node_modules/axe-core/axe.min.js
ASSETS := channels/web/assets/node_modules/.package-lock.json

setup: $(STAMP) $(AXE) $(ASSETS)
	$(PY) -m classifier train

$(AXE): tests/web/package-lock.json
	npm ci --prefix tests/web --no-audit --no-fund --loglevel=error
	touch $(AXE)

$(ASSETS): channels/web/assets/package-lock.json
	npm ci --prefix channels/web/assets --no-audit --no-fund --loglevel=error
	touch $(ASSETS)

$(STAMP): pyproject.toml
	scripts/system-packages.sh
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	$(PY) -m pip install -q -e '.[sip]' || echo "SIP channel unavailable on this platform (pjsua2 wheel needs CPython 3.8-3.12 on x86_64); everything else works."
	rm -f $(VENV)/.installed-* && touch $(STAMP)

run: setup
	$(VENV)/bin/gateway dev --port $(PORT)

test: setup
	TEST_POSTGRES_URL=$$(scripts/test-postgres.sh) $(PY) -m pytest -q

bench: setup
	$(PY) bench/intake.py

clean:
	rm -rf $(VENV) var
