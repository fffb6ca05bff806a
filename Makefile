# `make run` and `make test` work on a fresh machine with only python3: they build .venv first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint bench bench-llm clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,train]'
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/runcoach serve

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: $(STAMP)
	$(BIN)/python bench/plan_bench.py
	$(BIN)/python bench/reminder_bench.py

# The model benchmarks take about 20 minutes on 2 cores.
bench-llm: $(STAMP)
	$(BIN)/python bench/llm_bench.py
	$(BIN)/python bench/answer_eval.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache .hypothesis
