"""The limits on every file the project reads, in one place (docs/decisions.md, "Upload limits").

A file's size on the wire says little about what reading it costs: an XLSX is a zip archive
(2 MB of it unpacked to 953 MB of sheet XML once), a PNG is deflated pixels. So each reader
checks what it unpacks, not only what arrived: `core.tabular` the archive's unpacked size and
every row, cell and character as it reads them; `core.uploads` and the Face-ID decoder the
pixels of an image before decoding it. Each limit is a setting (and an environment variable
of the same name) read when it is used, so a test can lower it with override_settings.
"""

from __future__ import annotations

from django.conf import settings

# Defaults; settings.py repeats them with their environment variables.
DEFAULTS = {
    # What a browser may send as one file (the compressed size for an XLSX).
    "UPLOAD_MAX_BYTES": 10 * 1024 * 1024,
    # All the members of an XLSX archive together, unpacked.
    "UPLOAD_MAX_UNPACKED_BYTES": 64 * 1024 * 1024,
    # Members of an XLSX archive (a real workbook has about ten).
    "UPLOAD_MAX_ARCHIVE_MEMBERS": 200,
    # Rows of a sheet (counting the blank ones read past), its columns, one cell's text and
    # the text of all the cells read together.
    "TABLE_MAX_ROWS": 20_000,
    "TABLE_MAX_COLUMNS": 100,
    "TABLE_MAX_CELL_CHARS": 2_000,
    "TABLE_MAX_TEXT_CHARS": 16_000_000,
    # Pixels of an image (width × height) before it is decoded: 40 MP.
    "IMAGE_MAX_PIXELS": 40_000_000,
}


def limit(name: str) -> int:
    return int(getattr(settings, name, DEFAULTS[name]))


def upload_max_bytes() -> int:
    return limit("UPLOAD_MAX_BYTES")


def image_max_pixels() -> int:
    """The pixel limit; Pillow's own process-wide one if something lowered it further."""
    from PIL import Image

    ours = limit("IMAGE_MAX_PIXELS")
    theirs = Image.MAX_IMAGE_PIXELS
    return min(ours, int(theirs)) if theirs else ours


def apply_image_limit() -> None:
    """Make Pillow's own decompression-bomb guard use our limit in every process.

    Pillow warns above MAX_IMAGE_PIXELS and refuses above twice that, in every Image.open —
    WeasyPrint's and Face ID's included; core.uploads refuses from the limit itself.
    """
    from PIL import Image

    Image.MAX_IMAGE_PIXELS = limit("IMAGE_MAX_PIXELS")
