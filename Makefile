# The two commands of the README: `make app` and `make test`. Both install what they need first.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: app test install lint bench

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,scale]'
	touch $@

install: $(VENV)/.installed

app: install
	$(PY) -m planner serve

test: install
	bash scripts/test.sh

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

bench: install
	$(PY) -m pip install --quiet -e '.[bench]'
	$(PY) bench/routing.py
	$(PY) bench/plans.py
