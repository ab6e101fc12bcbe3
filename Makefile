# partnerdesk — two commands: `make run` and `make test`. Both set up .venv on first use.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test proof test-at test-dates lint bench build check-build forms clean demo-large bytecode screenshots

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

# The property tests (hypothesis) with random seeds and ten times the examples; `make test` runs them
# derandomized. A failure prints the example (and a reproduce blob): pin it as an @example or a plain test.
proof: bytecode
	PARTNERDESK_PROOF=1 QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q -m property $(PYTEST_ARGS)

# The whole suite on another day, under libfaketime (Debian package faketime): `make test-at WHEN="2027-01-02 09:00"`.
# The clock starts at WHEN and runs on; monotonic clocks are left alone (faked, every timed lock wait hangs).
# tests/conftest.py works around libfaketime 0.9.10 failing time.sleep() with EINVAL on that setting.
WHEN ?= 2027-01-02 09:00:00
test-at: bytecode
	@command -v faketime >/dev/null || { echo "make test-at needs libfaketime (apt-get install faketime)" >&2; exit 2; }
	@echo "== the suite at $(WHEN) =="
	FAKETIME_DONT_FAKE_MONOTONIC=1 QT_QPA_PLATFORM=offscreen faketime -f "@$(WHEN)" \
	  $(BIN)/python -m pytest -q -p no:cacheprovider $(PYTEST_ARGS)

# The suite at each date that has broken date code before: year end, new year, February's end, a leap day, mid-year.
test-dates: bytecode
	$(MAKE) --no-print-directory test-at WHEN="2026-12-31 23:58:00"
	$(MAKE) --no-print-directory test-at WHEN="2027-01-01 00:05:00"
	$(MAKE) --no-print-directory test-at WHEN="2027-02-28 12:00:00"
	$(MAKE) --no-print-directory test-at WHEN="2028-02-29 12:00:00"
	$(MAKE) --no-print-directory test-at WHEN="2027-07-01 12:00:00"

# ruff (rules in pyproject [tool.ruff]), the layer and cycle contracts (import-linter, [tool.importlinter]),
# and mypy on partnerdesk/ ([tool.mypy]).
lint: $(STAMP)
	$(BIN)/ruff check .
# LINT-FORMAT: enable the next line once the tree has been through `ruff format` once.
#	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

bench: bytecode
	QT_QPA_PLATFORM=offscreen $(BIN)/python benchmarks/run_all.py

# Every page at 1366x768 and 1920x1080 and every dialog, light and dark, on the demo region (docs/screenshots/).
screenshots: $(STAMP)
	rm -rf docs/screenshots
	QT_QPA_PLATFORM=offscreen $(BIN)/python tools/render_gui.py docs/screenshots --size 1366x768 --dialogs
	QT_QPA_PLATFORM=offscreen $(BIN)/python tools/render_gui.py docs/screenshots --size 1366x768 --dialogs --dark
	QT_QPA_PLATFORM=offscreen $(BIN)/python tools/render_gui.py docs/screenshots --size 1920x1080
	QT_QPA_PLATFORM=offscreen $(BIN)/python tools/render_gui.py docs/screenshots --size 1920x1080 --dark

forms: $(STAMP)
	$(BIN)/python tools/compile_forms.py

build: $(STAMP)
	$(BIN)/pyinstaller --noconfirm --clean build.spec

check-build: build
	QT_QPA_PLATFORM=offscreen bash tools/check_build.sh

clean:
	rm -rf build dist .pytest_cache
	find partnerdesk -name __pycache__ -type d -prune -exec rm -rf {} +
