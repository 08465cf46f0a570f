# Image Studio: `make run` serves the studio, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export STUDIO_DATA_DIR ?= $(CURDIR)/var

.PHONY: run test install install-test browser migrate bench screenshots clean

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

# One web server and one django-q2 worker; Ctrl-C stops both.
run: migrate
	@echo "Image Studio on http://127.0.0.1:$(PORT)/ (data in $(STUDIO_DATA_DIR)); Ctrl-C stops it."
	@trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' INT TERM EXIT; \
	$(PY) manage.py qcluster & worker=$$!; \
	$(PY) manage.py runserver 127.0.0.1:$(PORT) --noreload

test: install-test browser
	$(PY) -m pytest

# The README's tour pictures, taken by the browser tests (tests/browser/test_tour.py).
screenshots: install-test browser
	STUDIO_SCREENSHOTS=1 $(PY) -m pytest tests/browser/test_tour.py -q -p no:randomly

bench: install-test
	$(PY) bench/run.py
	$(PY) bench/gallery.py
	$(PY) bench/store.py

clean:
	rm -rf $(VENV) *.egg-info
