# The two README commands: `make run` and `make test`. Both start from nothing.
SHELL := /bin/bash
# The interpreter of the venv: the first of PYTHON_CANDIDATES that can make a venv. The
# distribution's Python 3.11 comes first: Debian's and Ubuntu's are built with profile-guided
# and link-time optimization into one static binary, as the image's python:3.11-slim is;
# pyenv's default build (neither, libpython shared) ran the checkout's Python about 15 %
# slower on the CI machine (README, "ninth pass"). PYTHON=... overrides the choice.
PYTHON_CANDIDATES ?= /usr/bin/python3.11 python3.11 python3
PYTHON ?= $(shell for c in $(PYTHON_CANDIDATES); do p=$$(command -v "$$c") \
	&& "$$p" -c 'import ensurepip, sys, venv; assert sys.version_info >= (3, 11)' 2>/dev/null && { echo "$$p"; break; }; done)
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
	@test -n "$(PYTHON)" || { echo "no Python 3.11 that can make a venv (Debian: apt-get install python3.11-venv)"; exit 1; }
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
