#!/usr/bin/env bash
# The suite on several dates: the clock moved (time-machine, ticking) to each moment below for
# the whole run (QAMQOR_TEST_NOW, conftest.py), browser included. `make test-dates`.
# Usage: scripts/any_date.sh [pytest args...]   (QAMQOR_TEST_DATES overrides the list)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
DATES=${QAMQOR_TEST_DATES:-"
2027-02-01T08:30 first of a month (a Monday)
2026-12-31T23:30 31 December, half an hour before the year ends
2027-03-06T11:00 a Saturday
2027-03-22T10:00 Nauryz, a public holiday
2027-09-15T12:10 a school day in 2027, in a lunch break
"}
failed=()
while IFS= read -r line; do
  [ -z "$line" ] && continue
  moment=${line%% *}
  printf '\n\033[1m== the suite at %s (%s)\033[0m\n' "$moment" "${line#* }"
  if ! QAMQOR_TEST_NOW="$moment" $PY -m pytest -n 2 -p no:cacheprovider -q "$@"; then
    failed+=("$moment")
  fi
done <<< "$DATES"
if [ ${#failed[@]} -gt 0 ]; then
  printf '\n\033[1;31m!! the suite failed at: %s\033[0m\n' "${failed[*]}" >&2
  exit 1
fi
printf '\n\033[1m== the suite passed at every date\033[0m\n'
