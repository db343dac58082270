"""Checking uploaded documents (evidence, scans) before they are stored.

The type is decided by the file's first bytes, never by its name or the browser's claimed
content type: both are chosen by whoever uploads. Images are opened with Pillow to prove they
decode, with a pixel limit against decompression bombs (a few kilobytes of PNG can expand to
gigabytes). The limits are those of `core.limits`, shared by every file the project reads.
Uploaded files are never served as public media: `core.files` stores them, and streams them
only through access-checked views.
"""

from __future__ import annotations

import uuid
import warnings
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import limits

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
DOCUMENT_TYPES = frozenset({PDF, JPEG, PNG})
EXTENSIONS = {PDF: ".pdf", JPEG: ".jpg", PNG: ".png"}

# (content type, leading bytes)
_MAGIC = (
    (PDF, b"%PDF-"),
    (JPEG, b"\xff\xd8\xff"),
    (PNG, b"\x89PNG\r\n\x1a\n"),
)
# PDF readers accept the end-of-file marker anywhere in the last kilobyte (trailing junk
# from scanners and mail gateways is common); a file without one was cut off in transit.
_PDF_EOF_WINDOW = 1024

MESSAGES = {
    "file_missing": gettext_lazy("Choose a file to upload."),
    "file_empty": gettext_lazy("The file is empty."),
    "file_too_large": gettext_lazy(
        "The file is too large (%(size)s); the limit is %(limit)s. Scan at a lower resolution "
        "or split the document."
    ),
    "file_type_not_allowed": gettext_lazy(
        "Only PDF, JPEG and PNG documents are accepted; this file is none of them."
    ),
    "file_damaged": gettext_lazy(
        "The file is damaged or incomplete and cannot be opened. Upload it again."
    ),
    "image_too_large": gettext_lazy(
        "The image has too many pixels to be checked safely. Save it at a lower resolution."
    ),
}


class UploadError(Exception):
    """A refused upload: a stable `code` and a message in the active language."""

    def __init__(self, code: str, message: str | None = None, **params: Any):
        self.code = code
        self.message = message or (str(MESSAGES[code]) % params if params else str(MESSAGES[code]))
        super().__init__(self.message)


def max_bytes() -> int:
    return limits.upload_max_bytes()


def sniff(head: bytes) -> str | None:
    """The content type the leading bytes announce, if it is one we accept."""
    for content_type, magic in _MAGIC:
        if head.startswith(magic):
            return content_type
    return None


def file_size(f: IO[bytes]) -> int:
    size = getattr(f, "size", None)
    if size is not None:
        return int(size)
    pos = f.tell()
    f.seek(0, 2)
    end = f.tell()
    f.seek(pos)
    return end


def _check_pdf(f: IO[bytes], size: int) -> None:
    f.seek(max(0, size - _PDF_EOF_WINDOW))
    if b"%%EOF" not in f.read(_PDF_EOF_WINDOW):
        raise UploadError("file_damaged")


def _check_image(f: IO[bytes], content_type: str) -> None:
    from PIL import Image, UnidentifiedImageError

    expected = {JPEG: "JPEG", PNG: "PNG"}[content_type]
    try:
        with warnings.catch_warnings():
            # Pillow only warns between MAX_IMAGE_PIXELS and twice that; refuse it all.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            f.seek(0)
            with Image.open(f) as img:
                width, height = img.size
                if img.format != expected:
                    raise UploadError("file_type_not_allowed")
                if width * height > limits.image_max_pixels():
                    raise UploadError("image_too_large")
                img.verify()  # structure and checksums, without decoding every pixel
            if content_type == JPEG:
                # verify() checks little in a JPEG. A whole stream ends with the EOI marker
                # (checked on the bytes: WeasyPrint sets Pillow's process-wide
                # LOAD_TRUNCATED_IMAGES, which would pad a truncated image silently); then
                # decode at 1/8 scale (cheap) to find a corrupt one.
                f.seek(0, 2)
                f.seek(max(0, f.tell() - 64))
                if b"\xff\xd9" not in f.read().rstrip(b"\x00\r\n "):
                    raise UploadError("file_damaged")
                f.seek(0)
                with Image.open(f) as img:
                    img.draft("RGB", (max(1, width // 8), max(1, height // 8)))
                    img.load()
    except UploadError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise UploadError("image_too_large") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise UploadError("file_damaged") from exc


def check_upload(
    f: IO[bytes] | None,
    *,
    limit: int | None = None,
    allowed: frozenset[str] = DOCUMENT_TYPES,
) -> str:
    """Check an uploaded file's size and real type; return the detected content type.

    Raises `UploadError` with one of the codes of `MESSAGES`. Leaves the file at offset 0.
    """
    if f is None:
        raise UploadError("file_missing")
    limit = max_bytes() if limit is None else limit
    size = file_size(f)
    if size == 0:
        raise UploadError("file_empty")
    if size > limit:
        raise UploadError("file_too_large", size=filesizeformat(size), limit=filesizeformat(limit))
    try:
        f.seek(0)
        content_type = sniff(f.read(16))
        if content_type is None or content_type not in allowed:
            raise UploadError("file_type_not_allowed")
        if content_type == PDF:
            _check_pdf(f, size)
        else:
            _check_image(f, content_type)
    finally:
        f.seek(0)
    return content_type


def validate_upload(f: IO[bytes] | None) -> str:
    """`check_upload` for forms: the same checks, raised as a ValidationError."""
    try:
        return check_upload(f)
    except UploadError as exc:
        raise ValidationError(exc.message, code=exc.code) from exc


def storage_name(content_type: str) -> str:
    """A fresh name for storing a checked file: nothing of the uploader's name reaches disk."""
    return uuid.uuid4().hex + EXTENSIONS[content_type]


def original_name(f: Any) -> str:
    """The uploader's file name, without any path, for display (at most 255 characters)."""
    name = str(getattr(f, "name", "") or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1].strip()
    return (name or _("document"))[:255]


__all__ = [
    "DOCUMENT_TYPES",
    "MESSAGES",
    "UploadError",
    "check_upload",
    "file_size",
    "original_name",
    "sniff",
    "storage_name",
    "validate_upload",
]
