# DMC Transfers — the two commands a newcomer needs are `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
TEST_DATABASE_URL ?= mysql://root:@127.0.0.1:3306/transfers
PYTEST_ARGS ?=
export TEST_DATABASE_URL

.PHONY: help run test unit venv system-deps migrate demo serve smoke-sqlite check-test-db bench bench-smoke clean

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

run: export DEBUG ?= true
run: venv migrate demo ## install, migrate, load demo data and serve on http://localhost:8000
	@$(PY) manage.py demo_credentials
	$(PY) manage.py runserver $(PORT)

test: venv check-test-db smoke-sqlite ## the whole suite against MySQL/MariaDB (TEST_DATABASE_URL), plus a SQLite smoke
	$(VENV)/bin/pytest --create-db $(PYTEST_ARGS)

unit: venv ## the pure rules only: no database needed
	$(VENV)/bin/pytest -m unit $(PYTEST_ARGS)

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@scripts/system-deps
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $@

migrate: venv
	$(PY) manage.py migrate --no-input -v0

demo: venv ## load demo data once (skipped when the database already has transfers)
	$(PY) manage.py seed_demo --if-empty

check-test-db: venv
	@$(PY) scripts/check_database.py "$(TEST_DATABASE_URL)"

smoke-sqlite: venv ## the SQLite try-out path: migrate, demo data, book and confirm
	@scripts/smoke-sqlite

bench: venv ## the performance benchmark (see README, Performance)
	scripts/bench

clean: ## remove the virtualenv, the SQLite database and build output
	rm -rf $(VENV) db.sqlite3 staticfiles build
