# OpenLab: `make run` starts the site with demo data; `make test` runs the tests.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install run dev test check-all bench services services-stop lint format clean constraints

$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

# The site on embedded defaults (SQLite, in-memory channel layer, django-q2 ORM
# broker, database search, console e-mail) at http://127.0.0.1:8000, DEBUG off
# (openlab.settings.local). `make dev`: the same with DEBUG on, for developers.
dev: export DJANGO_SETTINGS_MODULE = openlab.settings.dev
run dev: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	bash deploy/run-dev.sh

test: install
	bash deploy/test.sh

# The longer reliability suite: faults, soak, security scans (needs the real
# services: `make services` first; .ci/run runs it after `make test`).
check-all: install
	bash deploy/check-all.sh

# wrk (Debian) is the load client when it can be installed; else a Python client.
bench: install
	command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get install -y -qq wrk >/dev/null; } || true
	$(PY) -m bench $(SCENARIOS)

# After changing dependencies in pyproject.toml: the newest versions allowed, then the suite.
constraints:
	rm -rf .constraints-venv
	$(PYTHON) -m venv .constraints-venv
	.constraints-venv/bin/pip install --quiet -e ".[dev]"
	{ sed -n '1,2p' constraints.txt; .constraints-venv/bin/pip freeze --exclude-editable | grep -v '^openlab'; } > constraints.new
	mv constraints.new constraints.txt
	rm -rf .constraints-venv

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

services:
	bash deploy/services.sh

services-stop:
	bash deploy/services-stop.sh

clean:
	rm -rf var media static_collected .pytest_cache
