# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: run demo test test-mongo lint bench install clean compose-check workflow-check

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

# The whole suite on the embedded database (mongomock); `real_mongo` query-plan checks are deselected.
test: lint
	$(PY) -m pytest -m "not real_mongo"

# The database contract tier on a real MongoDB, with its query-plan checks. It EMPTIES every
# collection of that database before each test: give it a database of its own, e.g.
#   MONGO_TEST_URI=mongodb://127.0.0.1:27017/fido-contract make test-mongo
test-mongo: $(STAMP)
	@test -n "$(MONGO_TEST_URI)" || { echo "Error: MONGO_TEST_URI: set it to a real MongoDB (mongodb://...)" >&2; exit 2; }
	MONGO_TEST_URI="$(MONGO_TEST_URI)" $(PY) -m pytest tests/contract

bench: $(STAMP)
	$(PY) -m bench

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache

# Validate the GitHub Actions workflow against the workflow schema vendored in check-jsonschema
# (actionlint's binary cannot be installed here: its PyPI package downloads it at build time).
workflow-check: $(STAMP)
	$(VENV)/bin/check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/ci.yml

# Validate docker-compose.yml where a compose client exists (no engine is needed for this).
compose-check:
	SECRET_KEY=check FIELD_ENCRYPTION_KEYS=check FIELD_INDEX_KEY=check FLOWER_BASIC_AUTH=u:p sh -c 'docker compose config -q 2>/dev/null || docker-compose config -q'
