# defcorpus: `make demo` and `make test` set up everything they need from the lock file.
PYTHON ?= python3
UV_VERSION := 0.13.8
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
STAMP := $(VENV)/.synced
CORE_STAMP := $(VENV)/.synced-core
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: setup demo test test-integration test-readme-airflow lint helm-values bench bench-quick clean-demo

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

# Locked dependencies, all extras (Airflow, readers) and the dev group.
$(STAMP): $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --all-extras --python $(PYTHON)
	@touch $(STAMP)

# The demo needs only the core dependencies (no Airflow, readers or dev tools); --inexact keeps
# whatever a full setup installed.
$(CORE_STAMP): $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --no-default-groups --inexact --python $(PYTHON)
	@touch $(CORE_STAMP)

setup: $(STAMP)

demo: $(CORE_STAMP)
	$(VENV)/bin/defcorpus demo

test: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports
	$(VENV)/bin/pytest -n auto --dist loadfile

# Airflow + PostgreSQL (Debian package, on loopback): LocalExecutor, two sites crawled and cleaned in parallel;
# CeleryExecutor on Redis (Debian package) with two workers, three sites, one worker killed mid-crawl.
test-integration: $(STAMP)
	$(VENV)/bin/pytest -m 'integration and not readme' tests/integration

# The README's "Running on Airflow" lines, run as written (airflow standalone): the manual check of those
# lines, not in .ci/run or test-integration (501 s on the shared 2-core machine would take CI past 20 min).
test-readme-airflow: $(STAMP)
	$(VENV)/bin/pytest -m readme tests/integration

lint: $(STAMP) helm-values
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports
	$(VENV)/bin/ruff format --check .

# The Helm values against infra/helm/values.schema.json (the chart's types, no unknown key), as `helm lint` would.
helm-values: $(STAMP)
	$(VENV)/bin/python infra/helm/check_values.py infra/helm/values.yaml

# Benchmarks: extraction quality and speed on the three shared sets (bench/extraction.py, summary in
# bench/results/extraction-latest.json), then pipeline performance against bare trafilatura, bare
# Scrapy and its own small run (bench/perf.py, docs/performance.md), then the archive backfill's requests,
# time and peak memory at two sizes of history (bench/backfill.py, docs/backfill.md), then growth: an
# incremental clean, a month's export and read on synthetic corpora of GROWTH_SIZES articles, and
# clean --workers 1 vs 2 (bench/growth.py, docs/performance.md; 1,000,000 takes about an hour to build
# on 2 shared cores: `make bench GROWTH_SIZES="10000 100000"` leaves it out).
GROWTH_SIZES ?= 10000 100000 1000000
bench: $(STAMP)
	$(VENV)/bin/python -m bench.extraction --results bench/results/extraction-latest.json
	$(VENV)/bin/python -m bench.perf
	$(VENV)/bin/python -m bench.backfill --results bench/results/backfill-latest.json
	$(VENV)/bin/python -m bench.growth --sizes $(GROWTH_SIZES) --results bench/results/growth-latest.json

# The same, smaller: one repetition over two worker processes, a 1,500-page mirror.
bench-quick: $(STAMP)
	$(VENV)/bin/python -m bench.extraction --reps 1 --jobs 2
	$(VENV)/bin/python -m bench.perf --quick

clean-demo:
	rm -rf defcorpus-data
