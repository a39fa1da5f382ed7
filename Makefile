# The two README commands: `make run` and `make test`. Both start from nothing.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# The demo serves the site as visitors see it: the localized 404 and 500 pages, not Django's
# debug pages (`make run RUN_DEBUG=true` brings those back). Static files come from
# collectstatic through WhiteNoise and uploads from MEDIA_ROOT (SERVE_MEDIA), both without DEBUG.
RUN_DEBUG ?= false
# pytest-xdist workers for `make test`: two on the two-core CI machine (0 runs in one process).
TEST_WORKERS ?= 2

.PHONY: run test lint format bench messages clean

$(BIN)/python:
	$(PYTHON) -c 'import sys; assert sys.version_info[:2] >= (3, 11), "Python 3.11+ is required"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall only when a requirements file changes.
$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-test: requirements.txt requirements-test.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-test.txt
	touch $(VENV)/.installed $@

run: $(VENV)/.installed
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py train_recommender || echo "recommender training failed; the site serves popular courses"
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	@echo "Serving Zhiqiao at http://$(HOST):$(PORT)/ with a Celery worker and beat (Ctrl+C stops all three)"
	@trap 'kill 0' EXIT INT TERM; \
	$(BIN)/celery -A config worker -Q interactive,nightly --loglevel=INFO --concurrency=2 & \
	$(BIN)/celery -A config beat --loglevel=INFO & \
	DEBUG=$(RUN_DEBUG) $(BIN)/python manage.py runserver $(HOST):$(PORT) --noreload

test: $(VENV)/.installed-test
	$(BIN)/python manage.py makemigrations --check --dry-run --settings=config.settings.test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	PYTHONPATH=. $(BIN)/lint-imports --no-cache
	$(BIN)/python manage.py spectacular --validate --fail-on-warn --settings=config.settings.test --file /dev/null
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed-test
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

messages: $(VENV)/.installed
	$(BIN)/python manage.py makemessages --all --ignore=.venv --ignore=staticfiles --no-obsolete
	$(BIN)/python manage.py compilemessages --ignore=.venv

BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/zhiqiao_bench

bench: $(VENV)/.installed-test
	$(BIN)/python bench/recommender.py
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python bench/campaign_metrics.py --reset

clean:
	rm -rf $(VENV) staticfiles .celery-broker db.sqlite3
