"""The background task that checks and applies an uploaded file (see services.advance), and
the one way to start it. The task keeps this module's path: queued rows name it."""

from __future__ import annotations

import logging

from django_tasks import task

from .models import ImportJob
from .services import advance

log = logging.getLogger(__name__)


@task()
def process_import(job_id: int) -> str:
    return advance(job_id).state


def enqueue(job: ImportJob) -> None:
    """Hand the job to the worker (`qamqor worker`), the only process that reads files."""
    try:
        process_import.enqueue(job.pk)
    except Exception:  # the upload is kept: enqueueing again (or the admin) can still run it
        log.exception("could not enqueue import job %s", job.pk)
