# Qiyou: `make run` sets up and starts the server, `make test` sets up and runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: setup run test lint bench clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -m venv --help >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq python3-venv)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[test]"
	touch $@

run: setup
	@test -f web/dist/index.html || $(MAKE) web
	$(BIN)/qiyou demo
	$(BIN)/qiyou serve

lint: setup
	$(BIN)/ruff check .
	$(BIN)/lint-imports

test: setup lint
	$(MAKE) test-python
	$(MAKE) test-miniprogram
	$(MAKE) test-web

.PHONY: test-python mail-clients deploy-tools
# pytest: two workers, one per backend (tests/conftest.py groups them).
test-python: setup mail-clients deploy-tools
	$(BIN)/pytest -n 2 --dist loadgroup

bench: setup
	$(BIN)/python bench/smtp_ingest.py
	$(BIN)/python bench/push_latency.py
	$(BIN)/python bench/translate.py

clean:
	rm -rf $(VENV) var

.PHONY: test-miniprogram

# WeChat mini-program: WXML/WXSS compile check, then page tests against a real qiyou serve.
test-miniprogram: setup
	cd miniprogram && npm ci --no-audit --no-fund --loglevel=error && npm test

.PHONY: web test-web chromium

# Web app (web/): Vite build into web/dist, which `qiyou serve` serves at /.
web/node_modules/.installed: web/package-lock.json
	cd web && npm ci --no-audit --no-fund --loglevel=error
	touch $@

web: web/dist/index.html

web/dist/index.html: web/node_modules/.installed $(shell find web/src web/public web/scripts web/index.html web/vite.config.js -type f 2>/dev/null)
	cd web && npm run build

# A real third-party IMAP client for the end-to-end tests (isync's mbsync), and a real
# IMAP/POP3 server as the external mailbox of tests/e2e/test_external_accounts.py (Dovecot).
mail-clients:
	@command -v mbsync >/dev/null || (apt-get update -qq && apt-get install -y -qq isync)
	@test -x /usr/sbin/dovecot || (apt-get update -qq && apt-get install -y -qq dovecot-imapd dovecot-pop3d)

# The checkers of the deployment examples (tests/deploy): nginx -t, haproxy -c, caddy validate,
# systemd-analyze verify.
deploy-tools:
	@command -v nginx >/dev/null && command -v haproxy >/dev/null && command -v caddy >/dev/null \
		&& command -v systemd-analyze >/dev/null \
		|| (apt-get update -qq && apt-get install -y -qq nginx haproxy caddy systemd)

chromium:
	@test -x /usr/bin/chromium || (apt-get update -qq && apt-get install -y -qq chromium fonts-noto-cjk)

# vitest component tests, then the browser suite (headless Chromium against a real qiyou serve).
test-web: setup web chromium
	cd web && npx vitest run
	node --test --test-concurrency=1 tests/web/
	cd web && node scripts/bundle-size.mjs
