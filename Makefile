# Threadline: `make run` serves the demo on http://127.0.0.1:8000, `make test` runs the suite.
# Both work on a fresh machine: they create .venv and install what they need first.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 8000
export UV_PYTHON_DOWNLOADS := never

.PHONY: install run serve migrate demo test browser mailserver lint worker beat smtp bench clean

install: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip --version >/dev/null 2>&1 || $(BIN)/python -m ensurepip -q
	@$(BIN)/python -m pip install -q --disable-pip-version-check uv
	$(BIN)/uv pip install -q --python $(BIN)/python -e '.[dev]' \
		|| $(BIN)/python -m pip install -q --disable-pip-version-check -e '.[dev]'
	@touch $@

migrate: install
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py load_demo

run: demo
	@echo
	@echo "  Threadline is starting on http://$(HOST):$(PORT)/  (inbox: /inbox/, back office: /admin/)"
	@$(BIN)/python manage.py load_demo --logins
	@echo
	DEBUG=$${DEBUG:-1} $(BIN)/daphne -b $(HOST) -p $(PORT) config.asgi:application

test: install browser mailserver
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The browser tests drive Debian's Chromium through Playwright (Playwright's own browser
# download is never used): install it when it is missing.
CHROMIUM := /usr/bin/chromium

browser:
	@test -x $(CHROMIUM) || { apt-get update -qq \
		&& DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

# The e-mail tests run a real Dovecot IMAP server (started by the tests on a free port, with
# a configuration of their own): install it when it is missing.
DOVECOT := /usr/sbin/dovecot

mailserver:
	@test -x $(DOVECOT) || { apt-get update -qq \
		&& DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dovecot-imapd; }

lint: install
	$(BIN)/ruff check .

# The production stack's background processes (REDIS_URL and DATABASE_URL set).
worker: install
	$(BIN)/celery -A config worker -l info -P threads -c 4

beat: install
	$(BIN)/celery -A config beat -l info

# Receive forwarded mail for the e-mail channels over SMTP (SMTP_PORT, default 2525).
smtp: install
	$(BIN)/python manage.py smtp_listen --host $(HOST) --port $${SMTP_PORT:-2525}

# The side-by-side benchmarks (bench/__main__.py) on the production stack: PostgreSQL and
# Redis on 127.0.0.1 (installed and started when missing, bench/services.sh); results go to
# docs/benchmarks.md. BENCH picks some and passes options: make bench BENCH="--quick inbound".
bench: install mailserver
	@bash -c '. bench/services.sh && ensure_service_tools \
		&& { ensure_postgres || { echo "PostgreSQL could not be started" >&2; exit 1; }; } \
		&& { ensure_redis || { echo "Redis could not be started" >&2; exit 1; }; } \
		&& echo "PostgreSQL on 127.0.0.1:$$PG_PORT, Redis on 127.0.0.1:$$REDIS_PORT" \
		&& DATABASE_URL=postgres://postgres@127.0.0.1:$$PG_PORT/threadline_bench \
		   REDIS_URL=redis://127.0.0.1:$$REDIS_PORT/10 $(BIN)/python -m bench $(BENCH)'

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-wal db.sqlite3-shm media .pytest_cache
