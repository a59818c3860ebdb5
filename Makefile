# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: run demo test lint bench install clean compose-check

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(PY) manage.py run

# Offline demo: local stand-ins for CoinGecko, Coinbase, CryptoCompare, CoinMarketCap and Twilio.
demo: $(STAMP)
	$(PY) manage.py run --demo

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

test: lint
	$(PY) -m pytest

bench: $(STAMP)
	$(PY) -m bench

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache

# Validate docker-compose.yml where a compose client exists (no engine is needed for this).
compose-check:
	SECRET_KEY=check FLOWER_BASIC_AUTH=u:p sh -c 'docker compose config -q 2>/dev/null || docker-compose config -q'
