# Fieldkeep: `make run` serves the app with demo data; `make test` runs every test.
# Both install what they need first and are quick the second time.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
CHROMIUM ?= /usr/bin/chromium
PY_SOURCES := $(wildcard server sync tests bench tools)
PWA_SOURCES := $(shell find pwa/src pwa/public -type f 2>/dev/null) \
	$(wildcard pwa/index.html pwa/vite.config.ts pwa/tsconfig*.json pwa/package.json)

.PHONY: run test audit lock lint typecheck test-pwa test-sqlite test-postgres test-browser services fonts bench load

# constraints.txt pins every package to the versions tested (`make lock` writes it anew).
$(BIN)/.installed: pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $@

# Re-resolve the dependencies from pyproject.toml in a fresh environment and pin them.
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet -e '.[dev]'
	{ echo "# Written by make lock: every Python package at the version tested. Edit pyproject.toml, not this."; \
	  .lock-venv/bin/python -m pip freeze --exclude-editable | grep -v '^pip=='; } > constraints.txt
	rm -rf .lock-venv

# Known vulnerabilities in the installed packages; says which it could not check.
audit: $(BIN)/.installed
	$(BIN)/python tools/audit_dependencies.py

pwa/node_modules/.installed: pwa/package-lock.json
	cd pwa && npm ci --no-audit --no-fund
	touch $@

pwa/dist/index.html: pwa/node_modules/.installed $(PWA_SOURCES)
	cd pwa && npm run build
	touch $@

run: $(BIN)/.installed pwa/dist/index.html fonts
	$(BIN)/fieldkeep seed --demo --if-empty
	$(BIN)/fieldkeep serve --host $(HOST) --port $(PORT)

# Key labels print Chinese: a CJK font is part of the installation (never boxes).
fonts:
	@if ! ls /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc >/dev/null 2>&1 && \
		! fc-list :lang=zh 2>/dev/null | grep -q .; then \
		if [ "$$(id -u)" = 0 ]; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk >/dev/null; \
		else echo "make: install a CJK font (apt-get install fonts-noto-cjk) to print key labels" >&2; fi; \
	fi
	@# The vendor statement tests read the printed PDF back with pdftoppm and pdftotext.
	@if ! command -v pdftotext >/dev/null; then \
		if [ "$$(id -u)" = 0 ]; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils >/dev/null; \
		else echo "make: install poppler-utils (pdftoppm, pdftotext) for the statement tests" >&2; fi; \
	fi

# PostgreSQL and Chromium are real parts of the suite: installed or started here when missing,
# and a clear failure (never a skip) when that is impossible.
services: fonts
	@if ! command -v pg_isready >/dev/null; then \
		echo "make test: PostgreSQL is not installed (need a server on 127.0.0.1:5432)" >&2; exit 1; fi
	@pg_isready -q -h 127.0.0.1 -p 5432 || { \
		for v in $$(ls /etc/postgresql 2>/dev/null); do \
			pg_ctlcluster --skip-systemctl-redirect $$v main start || true; done; \
		for i in $$(seq 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done; \
		pg_isready -q -h 127.0.0.1 -p 5432 || { echo "make test: PostgreSQL would not start" >&2; exit 1; }; }
	@if [ ! -x $(CHROMIUM) ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
		fi; \
		[ -x $(CHROMIUM) ] || { echo "make test: $(CHROMIUM) is missing and could not be installed (apt-get install chromium)" >&2; exit 1; }; \
	fi

lint: $(BIN)/.installed
	$(BIN)/ruff check $(PY_SOURCES)
	$(BIN)/ruff format --check $(PY_SOURCES)

typecheck: $(BIN)/.installed
	$(BIN)/mypy --strict sync
	$(BIN)/mypy server

test-pwa: pwa/dist/index.html
	cd pwa && npm test

test-sqlite: $(BIN)/.installed fonts
	$(BIN)/python -m pytest -m "not browser" --db sqlite

test-postgres: $(BIN)/.installed services
	$(BIN)/python -m pytest -m "not browser" --db postgres --ignore=tests/sync

test-browser: $(BIN)/.installed services pwa/dist/index.html
	$(BIN)/python -m pytest -m browser --db sqlite

# The two database suites share nothing (each its own database, free ports, its own temporary
# folders): they run side by side, each one's output printed whole when it ends. The browser
# tests run after them, alone: they wait on a real browser, which a loaded machine slows.
test: audit lint typecheck test-pwa
	$(MAKE) --no-print-directory -j2 --output-sync=target test-sqlite test-postgres
	$(MAKE) --no-print-directory test-browser

bench: $(BIN)/.installed pwa/dist/index.html
	$(BIN)/python -m bench

# 100 simulated phones against a real server: single process on SQLite, then 4 workers on
# PostgreSQL (a server of its own, set by deploy/postgresql.conf), LOAD_SECONDS each (not part
# of make test). LOAD_ARGS="--profile" adds a profile; LOAD_ARGS="--postgres URL" another server.
LOAD_SECONDS ?= 300
load: $(BIN)/.installed services
	$(BIN)/python -m bench.load --seconds $(LOAD_SECONDS) $(LOAD_ARGS)
