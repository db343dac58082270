# The two commands of the README: `make demo` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
QAMQOR := $(VENV)/bin/qamqor
PORT ?= 8000

.PHONY: demo test venv bench lint messages clean

# face_recognition declares dlib, a source build; dlib-bin (the faceid extra) is that module,
# so face_recognition itself goes in without its declared dependencies.
$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,faceid]'
	$(PY) -m pip install --quiet --no-deps 'face-recognition==1.3.0'
	@touch $@

venv: $(VENV)/.installed

messages: venv
	$(PY) scripts/compile_messages.py

demo: venv messages
	@[ -d node_modules ] && [ node_modules -nt package-lock.json ] || { npm ci --no-audit --no-fund && touch node_modules; }
	node scripts/build_scanner.mjs
	QAMQOR_DEMO=1 DEBUG=1 $(QAMQOR) demo --port $(PORT)

test: venv messages
	bash scripts/test.sh

lint: venv
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .

bench: venv messages
	$(PY) bench/registry.py
	$(PY) bench/redeem.py
	$(PY) bench/canteen.py

clean:
	rm -rf $(VENV) var node_modules
