# One command to set up and run the main job, one to set up and run the tests.
#   make run    -> the bot if a token is in .env / the environment, else an offline demo into out/
#   make test   -> ruff + the whole test suite (what CI runs)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup run test bench lint clean

setup: $(STAMP)

# torch is installed first and pinned: 2.13.0 resolves to the CPU build on these machines, while a bare
# `torch` requirement would pull several GB of CUDA packages. The package's own `torch>=2.3` is then satisfied.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

run: setup
	$(BIN)/kitten-mixer demo

test: setup
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q

bench: setup
	$(BIN)/python -m benchmarks.bench_engine
	$(BIN)/python -m benchmarks.bench_animation

clean:
	rm -rf $(VENV) out .pytest_cache .ruff_cache
