# Two commands for a new user: `make run` and `make test`. Everything else here serves them.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install lint format migrate demo messages wheel clean

$(VENV)/.installed: pyproject.toml
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

test: install
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: install
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

messages: install
	cd briefs && ../$(PY) ../manage.py makemessages -l lt -l en --no-obsolete
	cd briefs && ../$(PY) ../manage.py compilemessages

wheel: install
	$(PY) -m build --wheel --outdir dist .

clean:
	rm -rf $(VENV) dist build *.egg-info db.sqlite3 staticfiles
