"""Issue 4: the scanner reads a QR code through the camera.

Chromium's fake video capture plays a Y4M file made here from a segno QR image of a valid
meal token (what a parent's phone shows at the door); the scanner's camera button starts
qr-scanner (its decoder worker served from our origin: CSP), and the meal is served.
"""

from __future__ import annotations

import io
from pathlib import Path
from types import SimpleNamespace

import pytest
import segno
from PIL import Image
from playwright.sync_api import expect

from qamqor.canteen.tests.scanner_setup import canteen_day, qr
from qamqor.core import signing
from qamqor.meals.models import Redemption
from qamqor.testing import PASSWORD, PersonaTestCase

from .conftest import align_clock, chromium_path, login
from .test_scanner import PHONE, built_vendor_files, expect_result, watch  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WIDTH, HEIGHT = 640, 480
FRAMES = 3


def write_y4m(text: str, path: Path) -> Path:
    """A few frames of raw YUV4MPEG2 (4:2:0) showing the QR code of `text`, black on white,
    in the middle of the picture — inside qr-scanner's scan region (the central 2/3)."""
    png = io.BytesIO()
    segno.make(text, error="m", mode="alphanumeric", micro=False).save(
        png, kind="png", scale=4, border=4
    )
    code = Image.open(png).convert("L")
    assert code.width <= HEIGHT * 2 // 3, code.size
    frame = Image.new("L", (WIDTH, HEIGHT), 255)
    frame.paste(code, ((WIDTH - code.width) // 2, (HEIGHT - code.height) // 2))
    y, u, v = frame.convert("RGB").convert("YCbCr").split()
    half = (WIDTH // 2, HEIGHT // 2)
    planes = y.tobytes() + u.resize(half).tobytes() + v.resize(half).tobytes()
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F10:1 Ip A1:1 C420jpeg\n".encode("ascii"))
        for _ in range(FRAMES):
            out.write(b"FRAME\n" + planes)
    return path


@pytest.fixture
def school():
    signing.invalidate_cache()
    data = SimpleNamespace()
    PersonaTestCase.setUpTestData.__func__(data)
    canteen_day(data)
    yield data
    signing.invalidate_cache()


@pytest.fixture
def camera_page(browser, live_server, school, tmp_path):
    """A Chromium of its own whose camera shows the pupil's QR code (the flags are set at
    launch, so the shared browser cannot be used); same Playwright, same driver."""
    video = write_y4m(qr(school.voucher), tmp_path / "qr.y4m")
    camera_browser = browser.browser_type.launch(
        executable_path=chromium_path(),
        headless=True,
        args=[
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        ],
    )
    context = camera_browser.new_context(
        base_url=live_server.url, locale="kk-KZ", viewport=PHONE, permissions=["camera"]
    )
    align_clock(context)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()
    camera_browser.close()


def test_the_camera_scans_a_pupils_qr_code(camera_page, school, shot):
    page = camera_page
    problems = watch(page)
    login(page, "canteen", PASSWORD)
    page.goto("/canteen/scan/")
    app = page.locator("[data-testid=scanner]")
    expect(app).to_have_attribute("data-ready", "1")

    page.locator("[data-testid=camera-toggle]").click()
    expect(app).to_have_attribute("data-camera", "on")
    expect_result(page, "served", "Тамақ берілді", "Аружан А. · 3А")
    shot(page, "scanner-09-camera")
    served = Redemption.objects.filter(voucher=school.voucher, status=Redemption.Status.SERVED)
    assert served.count() == 1
    # The code stays in view: the same QR is not taken again and again.
    page.wait_for_timeout(1500)
    assert Redemption.objects.count() == 1
    page.locator("[data-testid=camera-toggle]").click()
    expect(page.locator("[data-testid=camera-video]")).to_be_hidden()
    # Chromium on Linux has no native BarcodeDetector: qr-scanner's worker read the code,
    # started from our own origin (a blob: worker would have been refused by the CSP).
    assert page.evaluate("() => 'BarcodeDetector' in window") is False
    assert problems == []
