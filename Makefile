# Two commands for a new user: `make run` and `make test`. Everything else here serves them.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
# The browser tests drive Debian's Chromium here (tests/conftest.py); Playwright downloads no browser.
CHROMIUM := /usr/bin/chromium
# tests/test_varnish.py starts Debian's Varnish with the xkey module of varnish-modules.
# Debian keeps it under the multiarch directory (e.g. /usr/lib/x86_64-linux-gnu/varnish/vmods).
VARNISH_XKEY := $(firstword $(wildcard /usr/lib/*/varnish/vmods/libvmod_xkey.so) \
	/usr/lib/$(shell uname -m)-linux-gnu/varnish/vmods/libvmod_xkey.so)

.PHONY: run test install lint format migrate demo messages wheel dist clean

# briefs/__init__.py holds the version, which an editable install copies into its metadata.
$(VENV)/.installed: pyproject.toml briefs/__init__.py
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $@

install: $(VENV)/.installed

migrate: install
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py load_demo

run: demo
	$(PY) manage.py runserver $(HOST):$(PORT)

# A missing browser or Varnish is installed where Debian's apt and root allow it; elsewhere, or if the
# install fails, the suite stops before any test runs with one line that says what to do, rather than
# fail or skip those tests at the end. $(call debian_package,packages,what for,marker to leave out).
define debian_package
	@if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "== installing $(1) (Debian) for $(2)"; \
		DEBIAN_FRONTEND=noninteractive apt-get update -qq \
		&& DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(1) >/dev/null \
		|| true; \
	fi
	@test -e $@ || { echo "make test: $(2) need $@: install the Debian package(s) $(1) as root," \
		"or leave them out with make test PYTEST_ARGS='-m \"not $(3)\"'" >&2; exit 1; }
endef

$(CHROMIUM):
	$(call debian_package,chromium,the browser tests,browser)

$(VARNISH_XKEY):
	$(call debian_package,varnish varnish-modules,the Varnish tests,varnish)

# Each is needed unless PYTEST_ARGS leaves its tests out (-m "not browser", "not varnish", "not slow").
skipped = $(findstring not $(1),$(PYTEST_ARGS))$(findstring not slow,$(PYTEST_ARGS))
NEEDS := $(if $(call skipped,browser),,$(CHROMIUM)) $(if $(call skipped,varnish),,$(VARNISH_XKEY))

test: install $(NEEDS)
	$(if $(PYTEST_ARGS),,@echo "make test: the whole suite; make test PYTEST_ARGS='-m \"not slow\"' leaves out the slow tests")
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: install
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

messages: install
	cd briefs && $(abspath $(PY)) ../manage.py makemessages -l lt -l en --no-obsolete
	cd briefs && $(abspath $(PY)) ../manage.py compilemessages

wheel: install
	$(PY) -m build --wheel --outdir dist .

# The sdist and the wheel as they would be uploaded, checked the way PyPI reads them.
dist: install
	rm -rf dist
	$(PY) -m build --outdir dist .
	$(PY) -m twine check --strict dist/*

clean:
	rm -rf $(VENV) dist build *.egg-info db.sqlite3 staticfiles .nox
