"""The periodic jobs `qamqor worker` runs in the demo (cron runs the same commands in production).
Each app registers its own in its AppConfig.ready (`schedule.register`).

Every job is an idempotent management command, so running one twice, late, or on two
machines changes nothing: that is what lets the demo use this simple in-process scheduler.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from dataclasses import dataclass

from django.core.management import call_command, get_commands
from django.db import close_old_connections

from .clock import now

log = logging.getLogger("qamqor.schedule")


@dataclass(frozen=True)
class Job:
    command: str
    every: dt.timedelta


# Filled by the apps' AppConfig.ready (`register`): core names no other app's command.
JOBS: list[Job] = []


def register(command: str, every: dt.timedelta) -> None:
    """Run the management command `command` every `every` (once, however often called)."""
    if all(job.command != command for job in JOBS):
        JOBS.append(Job(command, every))


def due_jobs(last_run: dict[str, dt.datetime], moment: dt.datetime) -> list[Job]:
    """The jobs whose interval has passed since they last ran (pure: tested without threads)."""
    available = get_commands()
    return [
        job
        for job in JOBS
        if job.command in available
        and (job.command not in last_run or moment - last_run[job.command] >= job.every)
    ]


def run_forever(stop: threading.Event, tick: float = 30.0) -> None:
    last_run: dict[str, dt.datetime] = {}
    while not stop.is_set():
        moment = now()
        for job in due_jobs(last_run, moment):
            try:
                call_command(job.command, verbosity=0)
            except Exception:  # a failing job must not stop the others; it is retried next tick
                log.exception("periodic job %s failed", job.command)
            else:
                last_run[job.command] = moment
            finally:
                close_old_connections()
        stop.wait(tick)


def start_in_background() -> threading.Event:
    stop = threading.Event()
    threading.Thread(target=run_forever, args=(stop,), name="qamqor-schedule", daemon=True).start()
    return stop
