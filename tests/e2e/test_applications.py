"""Issue 5 in the browser: a parent applies for cash aid; the school asks for a missing document.

The parent reads the service passport, applies online for a child born abroad (the civil
registry says so, so the birth certificate is on the checklist), uploads the АӘК certificate,
signs with a one-time password from the SMS, is told which document is missing and sends the
application without it. The pedagogue sees it on the dashboard, starts the review and asks for
the birth certificate (documents requested); the parent uploads it (back under review by
itself); the pedagogue approves. Screenshots go to var/screenshots/applications-*.png.
"""

from __future__ import annotations

import csv
import re
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect

from qamqor.applications.models import Application
from qamqor.sandbox.models import SandboxSms
from qamqor.testing import PASSWORD, PersonaTestCase

from .conftest import align_clock, login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def school(settings, tmp_path):
    data = SimpleNamespace()
    PersonaTestCase.setUpTestData.__func__(data)
    # The civil registry knows the pupil; her brother was born abroad.
    path = tmp_path / "civil_registry.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["iin", "birth_record", "born_abroad", "birth_country", "marriage"])
        w.writerow([data.pupil.iin, "1", "0", "KZ", "registered"])
        w.writerow([data.sibling.iin, "1", "1", "UZ", "registered"])
    settings.QAMQOR_SANDBOX_CIVIL_REGISTRY = str(path)
    data.files = tmp_path
    for name in ("asp.pdf", "birth.pdf"):
        (tmp_path / name).write_bytes(PDF)
    return data


def last_code() -> str:
    sms = SandboxSms.objects.filter(purpose="application_otp").order_by("-id").first()
    assert sms is not None
    return re.search(r"\b(\d{6})\b", sms.text).group(1)


def choose_and_attach(page, school) -> None:  # noqa: ANN001
    page.select_option("select[name=pupil]", str(school.sibling.pk))
    expect(page.locator("#checklist [data-kind=birth_certificate]")).to_be_visible()
    page.select_option("select[name=service]", "financial_aid")
    page.select_option("select[name=category]", "asp")
    # The category names its document: the АӘК certificate of the local executive body.
    expect(page.locator("#checklist [data-kind=category_document]")).to_contain_text(
        "атаулы әлеуметтік көмек"
    )
    page.set_input_files("input[name=doc_category_document]", str(school.files / "asp.pdf"))


def test_parent_applies_school_asks_for_a_missing_document(
    page, school, shot, browser, live_server
):
    # The parent, on a phone: the catalogue and the passport.
    page.set_viewport_size(PHONE)
    login(page, "parent", PASSWORD)
    page.goto("/services/")
    expect(page.locator("[data-service=financial_aid]")).to_be_visible()
    shot(page, "applications-01-catalogue")
    page.goto("/services/catalogue/financial_aid/")
    expect(page.locator("[data-testid=hours]")).to_contain_text("18:30")
    shot(page, "applications-02-passport")

    # Apply: the checklist follows the child (born abroad: the birth certificate).
    page.goto("/services/apply/")
    choose_and_attach(page, school)
    items = page.locator("#checklist [data-kind]")
    expect(items).to_have_count(2)  # the portal asks no paper identity copy
    page.click("[data-testid=send-code]")
    expect(page.locator("[data-testid=otp-status]")).to_contain_text(school.guardian.phone[-4:])
    page.fill("input[name=code]", last_code())
    shot(page, "applications-03-apply")
    page.click("[data-testid=submit]")

    # Refused: the missing document is named; nothing is stored.
    expect(page.locator("[data-testid=form-errors]")).to_be_visible()
    assert Application.objects.count() == 0
    shot(page, "applications-04-missing-named")
    # Send it without the certificate (the file inputs are empty after a refused post).
    page.set_input_files("input[name=doc_category_document]", str(school.files / "asp.pdf"))
    page.check("input[name=allow_incomplete]")
    page.click("[data-testid=submit]")
    expect(page.locator("[data-testid=checklist] [data-kind=birth_certificate]")).to_have_attribute(
        "data-present", "0"
    )
    application = Application.objects.get()
    assert (application.channel, application.signed_with) == ("portal", "otp")
    expect(page.locator(".status-line [data-status]")).to_have_attribute("data-status", "submitted")
    shot(page, "applications-05-submitted")

    # The pedagogue, at a desk: the dashboard, the review, the request.
    desk = browser.new_context(
        base_url=live_server.url, locale="kk-KZ", viewport={"width": 1280, "height": 900}
    )
    align_clock(desk)
    try:
        school_page = desk.new_page()
        school_page.set_default_timeout(15_000)
        login(school_page, "pedagog", PASSWORD)
        school_page.goto("/services/applications/")
        expect(
            school_page.locator(f"[data-testid=all] [data-application='{application.pk}']")
        ).to_be_visible()
        shot(school_page, "applications-06-dashboard")
        school_page.click(f"[data-testid=all] [data-application='{application.pk}'] a >> nth=0")
        school_page.click("[data-testid=start-review]")
        form = school_page.locator("[data-testid=request-form]")
        # The missing certificate is ticked already; add a note for the family.
        expect(form.locator("input[value=birth_certificate]")).to_be_checked()
        form.locator("textarea[name=note]").fill(
            "Баланың туу туралы куәлігінің көшірмесі (Өзбекстан)."
        )
        form.locator("[data-testid=request-submit]").click()
        expect(school_page.locator(".status-line [data-status]")).to_have_attribute(
            "data-status", "documents_requested"
        )
        shot(school_page, "applications-07-documents-requested")
        assert SandboxSms.objects.filter(purpose="application_documents").exists()

        # The parent sees the request and uploads the certificate: back under review.
        page.goto("/services/mine/")
        expect(page.locator(f"[data-testid=waiting-{application.pk}]")).to_be_visible()
        shot(page, "applications-08-parent-asked")
        page.click(f"[data-testid=waiting-{application.pk}] a")
        expect(page.locator("[data-testid=request-box]")).to_contain_text("Өзбекстан")
        page.select_option("select[name=kind]", "birth_certificate")
        page.set_input_files(
            "[data-testid=upload-form] input[name=file]", str(school.files / "birth.pdf")
        )
        page.click("[data-testid=upload-form] button[type=submit]")
        expect(page.locator(".status-line [data-status]")).to_have_attribute(
            "data-status", "under_review"
        )
        shot(page, "applications-09-uploaded")

        # The pedagogue approves.
        school_page.reload()
        school_page.click("[data-testid=approve]")
        expect(school_page.locator(".status-line [data-status]")).to_have_attribute(
            "data-status", "approved"
        )
        expect(school_page.locator("[data-testid=history] li")).to_have_count(5)
        shot(school_page, "applications-10-approved")
    finally:
        desk.close()
    application.refresh_from_db()
    assert application.status == "approved"
    assert list(application.history.values_list("to_status", flat=True)) == [
        "submitted", "under_review", "documents_requested", "under_review", "approved",
    ]  # fmt: skip


def test_the_passport_in_russian(page, school, shot):
    login(page, "teacher", PASSWORD)
    page.goto("/services/catalogue/camp_voucher/")
    page.click("[data-testid=lang-ru]")
    expect(page.locator("h1")).to_contain_text("загородных и пришкольных лагерях")
    expect(page.locator("[data-channel=portal]")).to_contain_text("071/у")
    shot(page, "applications-11-passport-ru")
