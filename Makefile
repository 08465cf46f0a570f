# Image Studio: `make run` serves the studio, `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export STUDIO_DATA_DIR ?= $(CURDIR)/var

.PHONY: run test test-fast test-stack test-cluster install install-test browser migrate bench screenshots clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

# Debian's chromium for the browser tests; Playwright never downloads one.
browser:
	@test -x /usr/bin/chromium || { \
	  echo "Installing Debian's chromium for the browser tests…"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

migrate: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py ensure_admin

# gunicorn (2 processes × 8 threads) and one django-q2 worker; Ctrl-C stops both.
run: migrate
	@echo "Image Studio on http://127.0.0.1:$(PORT)/ (data in $(STUDIO_DATA_DIR)); Ctrl-C stops it."
	@PY=$(PY) PORT=$(PORT) scripts/run.sh

# Every test twice: on SQLite with the ORM broker, then on a private PostgreSQL
# and Redis that scripts/services.sh starts on loopback and stops afterwards.
# pytest's exit 5 (no tests collected) fails the run like any other failure.
test: test-fast test-stack

# The SQLite pass alone, for quick local work.
test-fast: install-test browser
	$(PY) -m pytest -q

test-stack: install-test browser
	scripts/services.sh run $(PY) -m pytest -q

# Two worker "hosts" on one PostgreSQL, Redis and S3 bucket, with a worker
# killed, Redis stopped for 20 s and PostgreSQL restarted (tests/cluster).
test-cluster: install-test
	STUDIO_CLUSTER_TEST=1 scripts/services.sh run $(PY) -m pytest -q tests/cluster

# The README's tour pictures, taken by the browser tests (tests/browser/test_tour.py).
screenshots: install-test browser
	STUDIO_SCREENSHOTS=1 $(PY) -m pytest tests/browser/test_tour.py -q -p no:randomly

bench: install-test
	$(PY) bench/run.py
	$(PY) bench/gallery.py
	$(PY) bench/store.py

clean:
	rm -rf $(VENV) *.egg-info
