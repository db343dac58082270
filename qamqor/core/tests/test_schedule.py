import datetime as dt

from qamqor.core.schedule import JOBS, due_jobs

T0 = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC)


def test_every_job_runs_first_then_by_its_interval():
    first = {job.command for job in due_jobs({}, T0)}
    assert "meals_daily_report" in first
    last = {job.command: T0 for job in JOBS}
    assert due_jobs(last, T0 + dt.timedelta(minutes=5)) == []
    again = {job.command for job in due_jobs(last, T0 + dt.timedelta(minutes=15))}
    assert again == {"meals_daily_report"}
