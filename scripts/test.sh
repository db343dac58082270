#!/usr/bin/env bash
# `make test`: lint, migrations check, the tests on SQLite, then again on PostgreSQL.
# QAMQOR_REQUIRE_PG=1 / QAMQOR_REQUIRE_BROWSER=1 turn the skips of PostgreSQL or the browser
# into failures (CI sets both).
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=.venv
PY=$VENV/bin/python
export PATH="$PWD/$VENV/bin:$PATH"
skipped=()

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
loud() { printf '\n\033[1;33m!! %s\033[0m\n' "$*" >&2; }

# --- the browser: Debian's Chromium, installed when missing and we are root ---------------
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "installing Debian's chromium for the browser tests"
    (apt-get install -y -q chromium >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q chromium >/dev/null; }) \
      || loud "could not install chromium"
  fi
fi
if command -v chromium >/dev/null 2>&1; then
  export QAMQOR_CHROMIUM="$(command -v chromium)"
else
  if [ "${QAMQOR_REQUIRE_BROWSER:-0}" = 1 ]; then
    loud "QAMQOR_REQUIRE_BROWSER=1 but no chromium is available"; exit 1
  fi
  loud "SKIPPING browser tests: no chromium (install Debian's chromium or run as root)"
  skipped+=("browser tests")
fi

# --- front-end packages (package.json), when the project has any --------------------------
if [ -f package.json ]; then
  if [ ! -d node_modules ] || [ package.json -nt node_modules ] || { [ -f package-lock.json ] && [ package-lock.json -nt node_modules ]; }; then
    say "npm install"
    if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi
    touch node_modules
  fi
  say "the canteen scanner's browser files (git-ignored)"
  node scripts/build_scanner.mjs
fi

say "ruff format --check and ruff check"
ruff format --check .
ruff check .

say "mypy (django-stubs; configured in pyproject.toml)"
env -u DATABASE_URL QAMQOR_TESTING=1 $PY -m mypy

say "makemigrations --check"
env -u DATABASE_URL QAMQOR_TESTING=1 $PY manage.py makemigrations --check --dry-run >/dev/null \
  || { loud "models changed without a migration: run 'qamqor makemigrations'"; exit 1; }

say "tests on SQLite"
env -u DATABASE_URL $PY -m pytest -n 2 -p no:cacheprovider

# --- PostgreSQL ---------------------------------------------------------------------------
PG_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/qamqor}"
if $PY - "$PG_URL" <<'PYEOF' 2>/dev/null
import sys, psycopg, dj_database_url
cfg = dj_database_url.parse(sys.argv[1])
psycopg.connect(host=cfg["HOST"], port=cfg["PORT"] or 5432, user=cfg["USER"],
                password=cfg["PASSWORD"] or None, dbname="postgres", connect_timeout=3).close()
PYEOF
then
  say "tests on PostgreSQL ($PG_URL)"
  DATABASE_URL="$PG_URL" $PY -m pytest -n 2 -p no:cacheprovider
else
  if [ "${QAMQOR_REQUIRE_PG:-0}" = 1 ]; then
    loud "QAMQOR_REQUIRE_PG=1 but PostgreSQL is not reachable at $PG_URL"; exit 1
  fi
  loud "SKIPPING the PostgreSQL run: no server at $PG_URL"
  skipped+=("PostgreSQL")
fi

if [ ${#skipped[@]} -gt 0 ]; then
  loud "make test passed, but SKIPPED: ${skipped[*]}"
else
  say "make test: everything passed on SQLite and PostgreSQL, browser tests included"
fi
