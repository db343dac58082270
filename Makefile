# The two commands of the README: `make demo` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
QAMQOR := $(VENV)/bin/qamqor
PORT ?= 8000

.PHONY: demo test test-dates venv bench lint lock messages clean

# Every package at the version constraints.txt names (the lock, as package-lock.json is for
# npm): a fresh machine installs what CI tested. `make lock` renews it on purpose.
# face_recognition declares dlib, a source build; dlib-bin (the faceid extra) is that module,
# so face_recognition itself goes in without its declared dependencies.
$(VENV)/.installed: pyproject.toml constraints.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade 'pip>=24,<27'
	$(PY) -m pip install --quiet -c constraints.txt -e '.[test,faceid]'
	$(PY) -m pip install --quiet --no-deps -c constraints.txt 'face-recognition==1.3.0'
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

# The suite with the clock moved to several dates (scripts/any_date.sh).
test-dates: venv messages
	bash scripts/any_date.sh

# Renew constraints.txt: the newest versions pyproject.toml allows, in a scratch venv.
lock:
	rm -rf var/lock-venv && $(PYTHON) -m venv var/lock-venv
	var/lock-venv/bin/python -m pip install --quiet --upgrade pip
	var/lock-venv/bin/python -m pip install --quiet -e '.[test,faceid]'
	var/lock-venv/bin/python -m pip install --quiet --no-deps 'face-recognition==1.3.0'
	{ echo "# make lock: every package of .[test,faceid] at the version tested; make installs with -c."; \
	  var/lock-venv/bin/python -m pip freeze --exclude-editable; } > constraints.txt
	rm -rf var/lock-venv

lint: venv
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .
	env -u DATABASE_URL QAMQOR_TESTING=1 $(PY) -m mypy

bench: venv messages
	$(PY) bench/registry.py
	$(PY) bench/redeem.py
	$(PY) bench/canteen.py

clean:
	rm -rf $(VENV) var node_modules
