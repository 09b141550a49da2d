# PCP Warehouse. `make run` sets everything up from nothing and builds the demo warehouse;
# `make test` runs the whole test suite. Needs only Python 3.11+, git and make.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
UV_VERSION := 0.13.8
TOOLS := .tools
UV := $(TOOLS)/bin/uv
BIN := .venv/bin

export PCP_DATA_DIR ?= $(CURDIR)/data
export DAGSTER_HOME := $(PCP_DATA_DIR)/dagster
export PCP_WAREHOUSE_PATH := $(PCP_DATA_DIR)/warehouse.duckdb
export DO_NOT_TRACK := 1
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export GX_ANALYTICS_ENABLED := false
export UV_PYTHON_DOWNLOADS := never
# This machine sets PYTHONDONTWRITEBYTECODE, under which every pcp, dbt and Great Expectations
# process compiles again every module it imports (about 9 s of CPU for the pipeline's stack).
# The processes make starts write their bytecode instead (into .venv and the checkout's
# __pycache__/, both ignored by git), so each module is compiled once, by the first process
# that imports it: cheaper than compiling all of .venv (`uv sync --compile-bytecode`, 24-50 s).
unexport PYTHONDONTWRITEBYTECODE

DEMO_START ?= 2019-04
DEMO_END ?= 2025-09
# The demo takes in the home force and its peer group (seeds/peer_forces.csv, illustrative):
# the peers' police.uk files, for the months the peer comparison needs, are written and loaded.
DEMO_FORCES ?= leicestershire,nottinghamshire,derbyshire,staffordshire,northamptonshire,bedfordshire,hertfordshire,avon-and-somerset
DEMO_BOARD ?= 2025-11-05
DEMO_AS_OF ?= 2025-10-20
PACK_QUARTER ?= latest
# The quarter whose board the reference dashboard (and seed 002's action report) describes:
# its pack as that board saw it (from the board's snapshot) is written too.
HELD_QUARTER ?= 2025/26-Q1
MANIFEST := dbt_project/target/manifest.json
BYTECODE := .venv/.pipeline-bytecode
# What `make run` shows once the warehouse is built. All four only read (the published copy;
# status the warehouse, read-only), so they run side by side; each one's output is kept and
# printed whole, in this order, when all are done (kept under logs/, private like the rest).
SHOW := status readiness board-pack public-pack held-board-pack
SHOWN = $(PCP_DATA_DIR)/logs/make-run
DBT_INPUTS := $(shell find dbt_project/models dbt_project/macros seeds -type f) dbt_project/dbt_project.yml dbt_project/profiles.yml

.PHONY: help setup run show demo-data test dev lint format clean bench docs browser $(addprefix show-,$(SHOW))

# The demo's data dir is built and read with the demo's forces (PCP_FORCES set by you wins).
run show demo-data dev: export PCP_FORCES ?= $(DEMO_FORCES)

help:
	@echo "make run    set up, write demo data, refresh the warehouse, print where results are"
	@echo "make test   run the whole test suite"
	@echo "make show   status, the demo board's readiness, the board packs of the latest quarter and of $(HELD_QUARTER)"
	@echo "make dev    open the Dagster UI on this project (http://127.0.0.1:3000)"
	@echo "make lint   ruff lint and format check"
	@echo "make bench  performance figures (national-volume ingest, backfill, one-month refresh)"
	@echo "make docs   build the dbt docs (models, columns, tests, lineage) into dbt_project/target/"

# uv itself, in a private tool environment, so nothing is installed on the machine by hand.
$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# The project's environment, exactly as the lock file says.
$(BIN)/pcp: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --quiet
	@touch $@

# The bytecode of what the pipeline imports, for processes started outside make (tests, a
# cron's `pcp refresh`) when PYTHONDONTWRITEBYTECODE is set: without it each such process
# compiles its imports again (README, Performance). `make run` needs no such step: its own
# processes write the bytecode of what they import.
$(BYTECODE): $(BIN)/pcp
	$(BIN)/python -c "import orchestration.cli, orchestration.refresh, dagster, dagster_dbt, dbt.cli.main, dbt.adapters.duckdb, great_expectations, pandas"
	@touch $@

# Dagster loads the dbt project from its manifest, so it must exist before any definitions load.
# Parsed with the variables a build gives dbt, so a new data dir's first build starts from this
# parse state instead of parsing the project again (orchestration/dbt_manifest.py).
$(MANIFEST): $(BIN)/pcp $(DBT_INPUTS)
	$(BIN)/python -m orchestration.dbt_manifest
	@touch $@

setup: $(BIN)/pcp $(MANIFEST) $(BYTECODE)

# dbt's parse and the demo data need only the environment and share nothing, so they run side
# by side (each is one single-threaded process; the machine has two cores).
run: $(BIN)/pcp browser
	@$(MAKE) --no-print-directory -j2 --output-sync=target $(MANIFEST) demo-data
	$(BIN)/pcp refresh
	@$(MAKE) --no-print-directory show
	@echo "Results"
	@echo "  marts     : $(PCP_DATA_DIR)/published/marts.duckdb  (and Parquet in $(PCP_DATA_DIR)/published/parquet/)"
	@echo "              mart_delivery_dashboard, fct_metric_period, mart_csp_crime, mart_long_term_trend, mart_csew_peers,"
	@echo "              mart_board_readiness, mart_board_source_status, mart_metric_spc, mart_metric_projection,"
	@echo "              mart_projection_backtest, mart_csp_crime_totals, dim_metric, dim_area, dim_month;"
	@echo "              comparisons (funnel plots): mart_peer_comparison, mart_area_comparison, mart_funnel_limits"
	@echo "              neighbourhood policing areas: mart_npa_crime (seed 003's table: crime against a year earlier, with significance)"
	@echo "              frozen board figures in snapshots.board_dashboard (what each was frozen from: snapshots.board_snapshots)"
	@echo "              the action tracker: mart_action_progress, mart_action_register, mart_action_milestones, mart_action_readiness (frozen in snapshots.board_action_*)"
	@echo "  query it  : $(BIN)/python -c \"import duckdb; print(duckdb.connect('$(PCP_DATA_DIR)/published/marts.duckdb', read_only=True).sql(\\\"select metric_id, latest_value, rag, rag_reason from mart_delivery_dashboard where reporting_quarter = '2025/26-Q1' order by display_order\\\"))\""
	@echo "  warehouse : $(PCP_WAREHOUSE_PATH)  (the pipeline's own file: analysts use the published copy)"
	@echo "  the UI    : make dev, then open http://127.0.0.1:3000 (assets, checks and these runs)"
	@echo "  status    : PCP_DATA_DIR=$(PCP_DATA_DIR) $(BIN)/pcp status"
	@echo "  alerts    : $(PCP_DATA_DIR)/outbox/ (.eml files; set PCP_SMTP_HOST / PCP_TEAMS_WEBHOOK_URL / PCP_SLACK_WEBHOOK_URL to send);"
	@echo "              the alert log is $(PCP_DATA_DIR)/alerts.duckdb"

# What `make run` shows once the warehouse is built (SHOW, above).
show: $(BIN)/pcp
	@umask 027 && mkdir -p "$(SHOWN)"
	@echo "Status, readiness and the board packs, side by side..."
	@$(MAKE) --no-print-directory -j5 -k $(addprefix show-,$(SHOW)); made=$$?; \
		for part in $(SHOW); do cat "$(SHOWN)/$$part.txt"; echo; done; exit $$made

show-status:
	@umask 027; $(BIN)/pcp status > "$(SHOWN)/status.txt" 2>&1

# `|| true`: the demo withholds two partner returns, so the board is rightly not ready.
show-readiness:
	@umask 027; { echo "Readiness of the $(DEMO_BOARD) delivery board as of $(DEMO_AS_OF) (the demo withholds two partner returns):"; \
		$(BIN)/pcp readiness --board $(DEMO_BOARD) --as-of $(DEMO_AS_OF) --send || true; } > "$(SHOWN)/readiness.txt" 2>&1

show-board-pack:
	@umask 027; $(BIN)/pcp pack --quarter $(PACK_QUARTER) --out "$(PCP_DATA_DIR)/packs" > "$(SHOWN)/board-pack.txt" 2>&1

show-public-pack:
	@umask 027; $(BIN)/pcp pack --quarter $(PACK_QUARTER) --public --out "$(PCP_DATA_DIR)/packs" > "$(SHOWN)/public-pack.txt" 2>&1

show-held-board-pack:
	@umask 027; $(BIN)/pcp pack --quarter $(HELD_QUARTER) --out "$(PCP_DATA_DIR)/packs" > "$(SHOWN)/held-board-pack.txt" 2>&1

demo-data: $(BIN)/pcp
	@mkdir -p "$(PCP_DATA_DIR)/landing"
	$(BIN)/pcp demo-data --out "$(PCP_DATA_DIR)/landing" --start $(DEMO_START) --end $(DEMO_END)

test: setup browser
	$(BIN)/pytest

# The board pack's PDF and its tests use Debian's Chromium (and pdftotext to read PDFs back):
# installed when absent and this machine can (root with apt-get); otherwise the tests say why.
browser:
	@if ! command -v chromium >/dev/null 2>&1 || ! command -v pdftotext >/dev/null 2>&1; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			echo "Installing Debian's chromium and poppler-utils for the board pack..."; \
			apt-get install -y -q chromium poppler-utils >/dev/null || \
			{ apt-get update -q >/dev/null && apt-get install -y -q chromium poppler-utils >/dev/null; }; \
		else echo "chromium/pdftotext absent and cannot be installed here: board-pack browser tests will skip."; fi; \
	fi

dev: setup
	$(BIN)/python -m orchestration.instance
	# umask 027: the webserver and daemon write run history private too (orchestration/file_modes.py).
	# `dg dev` with a workspace file runs the same services as `dagster dev`, which it supersedes
	# (that one warns so at every start).
	umask 027 && $(BIN)/dg dev -w workspace.yaml -h 127.0.0.1 -p 3000

# dbt docs against the warehouse `make run` built (catalog needs the tables to exist).
docs: setup
	cd dbt_project && ../$(BIN)/dbt docs generate --quiet
	@echo "dbt docs: $(CURDIR)/dbt_project/target/index.html (serve with: cd dbt_project && ../$(BIN)/dbt docs serve)"

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf .venv $(TOOLS) dbt_project/target dbt_project/logs .pytest_cache .ruff_cache

# Performance figures (not a test): national-volume ingest vs DuckDB's read_csv, national
# scale (43 forces x 36 months through one refresh, peak RSS of every process), a 10-year
# backfill, one new month on 1 vs 10 years of history, peak memory. Writes data/bench/.
bench: setup
	$(BIN)/python -m orchestration.bench
