"""Issue 5 in the browser: the cash aid from the payment register to the accepted report.

The applications are approved through the applications app's services (its pages are tested
by its own browser test). The pedagogue forms the payment register, sees why one line cannot
be paid, downloads the bank's CSV and the XLSX and marks the register paid; the parent, on a
phone, uploads a receipt with its amount and a photo and sends the report; the pedagogue
opens it and accepts it; the principal sees the monitoring. Screenshots: var/screenshots/aid-*.
"""

from __future__ import annotations

import csv
import io
from types import SimpleNamespace

import pytest
import time_machine
from openpyxl import load_workbook
from PIL import Image
from playwright.sync_api import expect

from qamqor.aid.models import PaymentRegister
from qamqor.aid.tests.base import NOW, AidTestCase
from qamqor.applications.models import Application
from qamqor.core.clock import today
from qamqor.testing import PASSWORD, PersonaTestCase, make_guardian

from .conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def picture(fmt: str, colour: tuple[int, int, int]) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (480, 640), colour).save(buf, format=fmt)
    return buf.getvalue()


@pytest.fixture(autouse=True)
def clock():
    # (autouse: before the page is made, so that the browser has it too) One clock for the data and the pages: the aid unit tests' day (an amount is entered for
    # its year), ticking so that the live server and the browser see time pass.
    with time_machine.travel(NOW, tick=True):
        yield


@pytest.fixture
def school(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    data = SimpleNamespace()
    PersonaTestCase.setUpTestData.__func__(data)
    # The same ground as the aid unit tests: two approved applications, one guardian
    # without an IBAN; approved through the applications app's services.
    data.stranger_guardian = make_guardian(
        data.stranger.family, surname="Иванова", name="Мария", iban=""
    )
    approve = AidTestCase.approve.__func__
    data.app = approve(data, data.pupil, data.guardian, category="asp", received=None)
    data.stranger_app = approve(
        data, data.stranger, data.stranger_guardian, category="orphans", received=None
    )
    return data


def download(page, testid: str):  # noqa: ANN001, ANN201
    with page.expect_download() as info:
        page.click(f"[data-testid={testid}]")
    return info.value


def test_cash_aid_from_register_to_accepted_report(page, school, shot):
    page.set_viewport_size(DESKTOP)
    login(page, "pedagog", PASSWORD)

    # The register: one payment ready, one blocked with the reason and the way to fix it.
    page.goto("/aid/registers/")
    expect(page.locator("[data-testid=waiting]")).to_contain_text("2")
    shot(page, "aid-01-registers")
    page.click(f"[data-testid=form-register-{school.school.pk}]")
    expect(page.locator("[data-testid=ready-count]")).to_have_text("1")
    expect(page.locator("[data-testid=blocked]")).to_contain_text("Иванова Мария")
    expect(page.locator("[data-testid=problem-iban_missing]")).to_be_visible()
    expect(page.locator("[data-testid=lines]")).to_contain_text(school.guardian.iban)
    shot(page, "aid-02-register")

    # The bank's CSV (UTF-8 with BOM, ';') and the XLSX.
    csv_file = download(page, "export-csv")
    body = open(csv_file.path(), "rb").read()  # noqa: PTH123, SIM115
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    assert rows[1][1:4] == [school.guardian.full_name, school.guardian.iin, school.guardian.iban]
    assert csv_file.suggested_filename.endswith(".csv")
    xlsx_file = download(page, "export-xlsx")
    sheet = load_workbook(io.BytesIO(open(xlsx_file.path(), "rb").read())).worksheets[0]  # noqa: PTH123, SIM115
    assert sheet["D5"].value == school.guardian.iban

    # Marked paid today: the application is paid and its purchase report due in 15 days.
    page.reload()
    page.fill("input[name=paid_on]", today().isoformat())
    shot(page, "aid-03-exported")
    page.click("[data-testid=mark-paid]")
    expect(page.locator("[data-testid=paid-on]")).to_be_visible()
    expect(page.locator(".msg.warning")).to_be_visible()  # the blocked line waits
    shot(page, "aid-04-paid")
    school.app.refresh_from_db()
    assert school.app.status == Application.Status.REPORT_DUE
    report = school.app.purchase_report
    assert PaymentRegister.objects.get().status == "paid"

    # The parent on a phone: the aid, then the report with a receipt and a photo.
    page.context.clear_cookies()
    page.set_viewport_size(PHONE)
    login(page, "parent", PASSWORD)
    page.goto("/aid/my/")
    expect(page.locator(f"[data-testid=aid-{school.app.pk}]")).to_contain_text("Аружан")
    shot(page, "aid-05-parent-my-aid")
    page.click(f"[data-testid=open-report-{report.pk}]")
    page.check("input[name=kind][value=receipt]")
    page.fill("input[name=amount]", "38500")
    page.set_input_files(
        "input[name=file]",
        {"name": "чек.jpg", "mimeType": "image/jpeg", "buffer": picture("JPEG", (245, 245, 235))},
    )
    page.click("[data-testid=upload]")
    expect(page.locator("[data-testid=receipts-total]")).to_contain_text("38")
    page.check("input[name=kind][value=photo]")
    page.set_input_files(
        "input[name=file]",
        {"name": "сөмке.png", "mimeType": "image/png", "buffer": picture("PNG", (40, 110, 160))},
    )
    page.click("[data-testid=upload]")
    expect(page.locator("[data-testid=files] li")).to_have_count(2)
    shot(page, "aid-06-parent-report")
    page.click("[data-testid=submit-report]")
    expect(page.locator("[data-testid=upload-form]")).to_have_count(0)
    shot(page, "aid-07-parent-sent")
    school.app.refresh_from_db()
    assert school.app.status == Application.Status.REPORTED

    # The pedagogue checks it (the photos are shown) and accepts it.
    page.context.clear_cookies()
    page.set_viewport_size(DESKTOP)
    login(page, "pedagog", PASSWORD)
    page.goto("/aid/reports/?state=check")
    page.click(f"text={school.pupil.full_name}")
    expect(page.locator("[data-testid=files] img")).to_have_count(2)
    page.wait_for_load_state("networkidle")
    shot(page, "aid-08-pedagogue-check")
    page.click("[data-testid=accept]")
    expect(page.locator("[data-testid=accept]")).to_have_count(0)
    shot(page, "aid-09-accepted")
    school.app.refresh_from_db()
    assert school.app.status == Application.Status.ACCEPTED

    # The principal's monitoring: the child is counted under АӘК with the amount paid.
    page.context.clear_cookies()
    login(page, "director", PASSWORD)
    page.goto("/aid/monitoring/")
    row = page.locator(f"[data-school='{school.school.pk}']")
    expect(row).to_contain_text("50")
    shot(page, "aid-10-monitoring")
