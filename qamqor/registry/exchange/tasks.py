"""The background task that checks and applies an uploaded file (see services.advance)."""

from __future__ import annotations

from django_tasks import task


@task()
def process_import(job_id: int) -> str:
    from .services import advance

    return advance(job_id).state
