"""Project-wide pytest settings.

`QAMQOR_TEST_NOW=2027-01-01T09:00+05:00 pytest` runs the whole suite with the clock moved to
that moment (time-machine, ticking): the suite must pass on any date, so CI's date is only one
of the dates it is proved on (scripts/any_date.sh runs it on several).
"""

from __future__ import annotations

import datetime as dt
import os

from hypothesis import HealthCheck, settings

# Timing varies on a shared 2-core machine under xdist; a deadline would make property
# tests flaky without telling us anything about correctness.
settings.register_profile(
    "qamqor", deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=False
)
settings.load_profile("qamqor")

TEST_NOW = os.environ.get("QAMQOR_TEST_NOW", "").strip()


def pytest_configure(config):
    if TEST_NOW:
        import time_machine

        moment = dt.datetime.fromisoformat(TEST_NOW)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.timezone(dt.timedelta(hours=5)))
        config._qamqor_clock = time_machine.travel(moment, tick=True)
        config._qamqor_clock.start()


def pytest_report_header(config):
    if TEST_NOW:
        return f"qamqor: the clock is moved to {TEST_NOW}"
    return None
