# Two commands do everything: `make demo` runs the platform end to end, `make test` runs every test.
SHELL := /bin/bash
export ENERGIA_DATA_HOME ?= $(CURDIR)/data
export DAGSTER_HOME ?= $(ENERGIA_DATA_HOME)/dagster_home
UV := $(shell command -v uv 2>/dev/null || echo "python3 -m uv")
RUN := $(UV) run --frozen
DASH_PORT ?= 8050
DAGSTER_PORT ?= 3000
# the demo's operator approves what the checks passed; `make load APPROVE_AS=` leaves it to people
APPROVE_AS ?= demo-operator
# made once per data home, never committed (the data home is git-ignored)
SECRET_KEY_FILE := $(ENERGIA_DATA_HOME)/secret_key
DEMO_USERS_FILE := $(ENERGIA_DATA_HOME)/demo-users.txt
SEED_DEMO := $(RUN) python -m access.seed_demo --credentials $(DEMO_USERS_FILE) \
	--sign-in-url http://127.0.0.1:$(DASH_PORT)/login

.PHONY: demo test test-fast install data manifest load serve lint clean

demo: install data manifest load serve  ## install, generate demo data, materialise every asset, serve

install:
	@command -v uv >/dev/null 2>&1 || python3 -m pip install --quiet uv
	@# bytecode at install only: imports are slow without it, and every `uv run` would redo it
	$(UV) sync --frozen --quiet --compile-bytecode

data:
	$(RUN) python -m synthetic --out $(ENERGIA_DATA_HOME)/landing

manifest:  ## dbt parse: the manifest the Dagster definitions are built from
	@# parsed against the warehouse the runs use, so their dbt reuses this parse
	ENERGIA_WAREHOUSE=$(abspath $(ENERGIA_DATA_HOME))/warehouse.duckdb \
		$(RUN) dagster-dbt project prepare-and-package --file dagster_project/dbt_project.py

load: manifest  ## the daily load, billing for every month × lot, a fresh snapshot, the demo users
	@mkdir -p $(DAGSTER_HOME) && cp dagster_project/dagster.yaml $(DAGSTER_HOME)/dagster.yaml
	@# lots without auto-approval wait for an operator: the demo's operator approves what the
	@# checks passed, then those partitions run again and issue it (holds stay on hold)
	$(RUN) python -m dagster_project.load $(if $(APPROVE_AS),--approve-as '$(APPROVE_AS)')
	$(SEED_DEMO)

serve:  ## the Dagster UI and the dashboards, with the demo users' sign-in names and passwords
	@mkdir -p $(DAGSTER_HOME) && cp dagster_project/dagster.yaml $(DAGSTER_HOME)/dagster.yaml
	@test -s $(SECRET_KEY_FILE) || (umask 077 && $(RUN) python -c \
		'import secrets; print(secrets.token_hex(32))' > $(SECRET_KEY_FILE))
	@test -s $(DEMO_USERS_FILE) || $(SEED_DEMO) > /dev/null
	@$(RUN) dagster-webserver -m dagster_project.definitions -h 127.0.0.1 -p $(DAGSTER_PORT) \
		> $(ENERGIA_DATA_HOME)/dagster-webserver.log 2>&1 & echo $$! > $(ENERGIA_DATA_HOME)/dagster-webserver.pid
	@echo "Dagster UI:  http://127.0.0.1:$(DAGSTER_PORT)  (log: $(ENERGIA_DATA_HOME)/dagster-webserver.log)"
	@echo "Dashboards:  http://127.0.0.1:$(DASH_PORT)/"
	@# the file was written at load time: its sign-in address may name another port
	@sed 's#(sign in at [^)]*)#(sign in at http://127.0.0.1:$(DASH_PORT)/login)#' $(DEMO_USERS_FILE)
	@trap 'kill $$(cat $(ENERGIA_DATA_HOME)/dagster-webserver.pid) 2>/dev/null' EXIT; \
		ENERGIA_SECRET_KEY=$${ENERGIA_SECRET_KEY:-$$(cat $(SECRET_KEY_FILE))} $(RUN) python -m dashboards --port $(DASH_PORT)

test: install manifest  ## every test, slow and browser ones included
	$(RUN) pytest -m "" -n 2 --dist loadgroup

test-fast: install
	$(RUN) pytest

lint:
	$(RUN) ruff check .
	$(RUN) ruff format --check .

clean:
	rm -rf $(ENERGIA_DATA_HOME) dbt/target dbt/logs
