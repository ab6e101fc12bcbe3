# partnerdesk — two commands: `make run` and `make test`. Both set up .venv on first use.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test bench build check-build forms clean demo-large bytecode

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,build]'
	@touch $(STAMP)

# Compile the package's bytecode up front (only what changed): a shell with PYTHONDONTWRITEBYTECODE set
# would otherwise compile every module from source on every start of the app and of each CLI test process.
bytecode: $(STAMP)
	@$(BIN)/python -m compileall -q partnerdesk

run: bytecode
	$(BIN)/partnerdesk gui

test: bytecode
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q $(PYTEST_ARGS)

bench: bytecode
	QT_QPA_PLATFORM=offscreen $(BIN)/python benchmarks/run_all.py

forms: $(STAMP)
	$(BIN)/python tools/compile_forms.py

build: $(STAMP)
	$(BIN)/pyinstaller --noconfirm --clean build.spec

check-build: build
	QT_QPA_PLATFORM=offscreen bash tools/check_build.sh

clean:
	rm -rf build dist .pytest_cache
	find partnerdesk -name __pycache__ -type d -prune -exec rm -rf {} +
