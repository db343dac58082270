"""Upload checks: real type by magic bytes, size limit, images that decode, bomb guard."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import translation
from PIL import Image

from qamqor.core import uploads
from qamqor.core.uploads import UploadError, check_upload

PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (8, 6)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buf, format=fmt)
    return buf.getvalue()


def upload(content: bytes, name: str = "doc.bin", ctype: str = "application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=ctype)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (PDF_BYTES, uploads.PDF),
        (image_bytes("PNG"), uploads.PNG),
        (image_bytes("JPEG"), uploads.JPEG),
    ],
)
def test_accepts_pdf_png_jpeg_by_content(content, expected):
    f = upload(content, name="scan.dat")  # the name says nothing; the bytes decide
    assert check_upload(f) == expected
    assert f.tell() == 0


def test_name_and_claimed_type_do_not_matter():
    html = upload(b"<html><script>alert(1)</script></html>", "evil.pdf", "application/pdf")
    with pytest.raises(UploadError) as exc:
        check_upload(html)
    assert exc.value.code == "file_type_not_allowed"


@pytest.mark.parametrize(
    "content",
    [
        b"GIF89a\x01\x00\x01\x00\x00\x00\x00;",
        b"PK\x03\x04 a zip or docx",
        b"MZ\x90\x00 a windows executable",
        image_bytes("GIF"),
        image_bytes("BMP"),
    ],
)
def test_other_types_refused(content):
    with pytest.raises(UploadError) as exc:
        check_upload(upload(content))
    assert exc.value.code == "file_type_not_allowed"


def test_empty_and_missing():
    with pytest.raises(UploadError) as exc:
        check_upload(upload(b""))
    assert exc.value.code == "file_empty"
    with pytest.raises(UploadError) as exc:
        check_upload(None)
    assert exc.value.code == "file_missing"


@override_settings(UPLOAD_MAX_BYTES=len(PDF_BYTES))
def test_size_limit_from_settings():
    with pytest.raises(UploadError) as exc:
        check_upload(upload(PDF_BYTES + b" "))
    assert exc.value.code == "file_too_large"
    assert str(len(PDF_BYTES)) in exc.value.message  # the limit is named to the user
    assert check_upload(upload(PDF_BYTES)) == uploads.PDF  # exactly at the limit is fine


def test_explicit_limit_wins():
    with pytest.raises(UploadError) as exc:
        check_upload(upload(PDF_BYTES), limit=10)
    assert exc.value.code == "file_too_large"


def test_truncated_pdf_is_damaged():
    with pytest.raises(UploadError) as exc:
        check_upload(upload(PDF_BYTES[:30]))
    assert exc.value.code == "file_damaged"


def test_pdf_with_trailing_junk_is_accepted():
    assert check_upload(upload(PDF_BYTES + b"\r\n" + b"\0" * 200)) == uploads.PDF


@pytest.mark.parametrize("magic", [b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff\xe0"])
def test_magic_bytes_then_garbage_is_damaged(magic):
    with pytest.raises(UploadError) as exc:
        check_upload(upload(magic + bytes(range(256)) * 4))
    assert exc.value.code == "file_damaged"


def test_png_with_bad_checksum_is_damaged():
    content = bytearray(image_bytes("PNG", (64, 64)))
    idat = content.index(b"IDAT")
    content[idat + 10] ^= 0xFF  # one flipped byte in the pixel data breaks the chunk's CRC
    with pytest.raises(UploadError) as exc:
        check_upload(upload(bytes(content)))
    assert exc.value.code == "file_damaged"


def test_truncated_jpeg_is_damaged():
    content = image_bytes("JPEG", (256, 256))
    with pytest.raises(UploadError) as exc:
        check_upload(upload(content[: len(content) // 2]))
    assert exc.value.code == "file_damaged"


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_decompression_bomb_guard(fmt, monkeypatch):
    content = image_bytes(fmt, (100, 100))
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 5000)
    with pytest.raises(UploadError) as exc:
        check_upload(upload(content))
    assert exc.value.code == "image_too_large"
    # Far above the limit Pillow itself raises; the answer stays the same.
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    with pytest.raises(UploadError) as exc:
        check_upload(upload(content))
    assert exc.value.code == "image_too_large"


def test_plain_file_objects_work():
    assert check_upload(io.BytesIO(image_bytes("PNG"))) == uploads.PNG


def test_validate_upload_raises_validation_error_with_code():
    with pytest.raises(ValidationError) as exc:
        uploads.validate_upload(upload(b"hello"))
    assert exc.value.code == "file_type_not_allowed"


def test_messages_are_translated():
    with translation.override("en"):
        english = UploadError("file_type_not_allowed").message
    assert "PDF" in english
    for code in uploads.MESSAGES:
        with translation.override("ru"):
            assert UploadError(code, size="1", limit="2").message


def test_storage_name_and_original_name():
    name = uploads.storage_name(uploads.JPEG)
    assert name.endswith(".jpg") and len(name) == 36
    assert uploads.storage_name(uploads.PDF) != uploads.storage_name(uploads.PDF)
    assert uploads.original_name(upload(b"", r"C:\Users\a\справка.pdf")) == "справка.pdf"
    assert uploads.original_name(upload(b"", "../../etc/passwd")) == "passwd"
    assert len(uploads.original_name(upload(b"", "a" * 400 + ".pdf"))) == 255


def test_truncated_jpeg_is_damaged_even_after_weasyprint_loosened_pillow(monkeypatch):
    from PIL import ImageFile

    # WeasyPrint sets this process-wide on import; the check must not depend on it.
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    content = image_bytes("JPEG", (256, 256))
    with pytest.raises(UploadError) as exc:
        check_upload(upload(content[: len(content) // 2]))
    assert exc.value.code == "file_damaged"


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_the_pixel_limit_is_the_shared_setting(fmt):
    content = image_bytes(fmt, (100, 100))
    with override_settings(IMAGE_MAX_PIXELS=9_999):
        with pytest.raises(UploadError) as exc:
            check_upload(upload(content))
    assert exc.value.code == "image_too_large"
    with override_settings(IMAGE_MAX_PIXELS=10_000):
        assert check_upload(upload(content)) in (uploads.PNG, uploads.JPEG)


def test_pillow_guards_every_image_open_with_the_same_limit():
    from qamqor.core.limits import limit

    assert Image.MAX_IMAGE_PIXELS == limit("IMAGE_MAX_PIXELS") == 40_000_000
