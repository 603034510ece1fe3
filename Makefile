# Portal: `make run` for a demo on a laptop, `make test` for the whole suite on PostgreSQL + Redis.
SHELL := /bin/bash
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/portal_test
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15
export SITE_URL ?= http://$(HOST):$(PORT)

.PHONY: run install migrate seed worker beat test lint format services browser bench clean

$(BIN)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/.installed

migrate: install
	$(BIN)/python manage.py migrate --noinput

seed: migrate
	$(BIN)/python manage.py seed_demo

run: seed
	@echo "Serving on http://$(HOST):$(PORT)/  (staff: /app/login, portal: /p/demo/login)"
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

worker: install
	$(BIN)/celery -A config worker --loglevel=info

beat: install
	$(BIN)/celery -A config beat --loglevel=info

# Start PostgreSQL and Redis if they are not answering (our machines and CI have them installed).
services:
	@pg_isready -q -h 127.0.0.1 -p 5432 || pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start
	@for i in $$(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
	@redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 || redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
	@for i in $$(seq 1 30); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 1; done

# Debian's Chromium for the Playwright tests (Playwright's own browser download cannot work offline).
browser:
	@test -x /usr/bin/chromium || (apt-get update -q && apt-get install -y -q chromium fonts-dejavu-core)

test: install services browser
	$(BIN)/lint-imports --no-cache
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) $(BIN)/pytest -q $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# `make bench` runs every bench module; `make bench BENCH=throughput` only the one named. The throughput
# bench drives pages with wrk (Debian's package, installed when missing).
BENCH ?=
bench: install services
	@command -v wrk >/dev/null || (apt-get update -q && apt-get install -y -q wrk)
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) $(BIN)/python bench/run.py $(BENCH)

clean:
	rm -rf $(VENV) staticfiles artifacts db.sqlite3 media
