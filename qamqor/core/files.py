"""Stored uploads: one abstract model, one `check`/`store` pair and one protected `stream`.

Uploads are checked by their bytes (`core.uploads`), stored under a fresh name, and streamed
only by a view that fetched the row through `accounts.access`, as a download a browser may
not run as a page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import IO, Any

from django.conf import settings
from django.core.files import File
from django.db import models
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404
from django.utils.translation import gettext_lazy as _

from . import uploads


class StoredFile(models.Model):
    # Declared by each model: each keeps its uploads in its own folder (`upload_to`) and
    # names its own kinds of document (a `kind` field with choices).
    file: FieldFile
    kind: str
    get_kind_display: Callable[[], str]
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.original_name}"

    def response(self, inline: bool = False) -> FileResponse:
        return stream(self.file, self.original_name, self.content_type, inline=inline)


def check(
    f: IO[bytes] | None,
    error: type[Exception],
    *,
    allowed: frozenset[str] = uploads.DOCUMENT_TYPES,
    messages: dict[str, Any] | None = None,
    field: str = "file",
) -> str:
    """The content type, or the refusal as `error(code, message, field)` (`messages` rewords
    a code). Check every file before storing any: a rollback does not unwrite files."""
    try:
        return uploads.check_upload(f, allowed=allowed)
    except uploads.UploadError as exc:
        raise error(exc.code, str((messages or {}).get(exc.code, exc.message)), field) from exc


def store(row: StoredFile, f: IO[bytes], content_type: str, uploaded_by: Any) -> StoredFile:
    """Save the upload under a fresh name; `uploaded_by` is a signed-in user or None."""
    row.original_name = uploads.original_name(f)
    row.content_type = content_type
    row.uploaded_by = uploaded_by
    row.size = uploads.file_size(f)
    row.file.save(uploads.storage_name(content_type), File(f), save=False)
    row.save()
    return row


def stream(
    stored: FieldFile, filename: str, content_type: str, inline: bool = False
) -> FileResponse:
    try:
        handle = stored.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(
        handle, as_attachment=not inline, filename=filename, content_type=content_type
    )
    # The bytes were checked on upload, but a browser must still never run them as a page.
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
