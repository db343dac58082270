"""Issue 2 in the browser: the social pedagogue's day with the registry.

Log in, search a pupil (htmx, no reload), open the card, assign a category with an evidence
file, import a file with one bad row (nothing changes; the report names the row), and switch
between Kazakh and Russian. Screenshots go to var/screenshots/.
"""

from __future__ import annotations

import io
import re
from types import SimpleNamespace

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from qamqor.registry.exchange.sample import write_sample_xlsx
from qamqor.registry.models import Pupil
from qamqor.testing import PASSWORD, PersonaTestCase

from .conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


@pytest.fixture
def school():
    data = SimpleNamespace()
    PersonaTestCase.setUpTestData.__func__(data)
    return data


def bad_row_file() -> bytes:
    """Five valid rows of the НОБД format with the IIN of the third pupil mistyped."""
    buffer = io.BytesIO()
    write_sample_xlsx(buffer, n_rows=5, seed=7, lang="ru")
    book = load_workbook(io.BytesIO(buffer.getvalue()))
    sheet = book.active
    sheet.cell(row=4, column=1).value = "123456789012"  # header is row 1: the third pupil
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_pedagogue_registry_journey(page, school, shot):
    login(page, "pedagog", PASSWORD)
    origin = "/".join(page.url.split("/")[:3])
    page.context.add_cookies([{"name": "qamqor_language", "value": "kk", "url": origin + "/"}])

    # Search: the results update in place (htmx), the page itself does not reload.
    page.goto("/registry/pupils/")
    page.evaluate("window.__stayed = true")
    page.fill("[data-testid=pupil-search]", "Иван")
    expect(page.locator("[data-testid=pupil-table]")).not_to_contain_text("Аружан")
    assert page.evaluate("window.__stayed") is True
    table = page.inner_text("[data-testid=pupil-table]")
    assert "Иванов Иван" in table
    shot(page, "registry-01-search")

    # The pupil card.
    page.click("text=Иванов Иван Петрович")
    page.wait_for_selector("[data-testid=pupil-name]")
    assert "Иванов Иван Петрович" in page.inner_text("[data-testid=pupil-name]")
    shot(page, "registry-02-card")

    # Assign a category with an evidence file.
    page.click(f"a[href='/eligibility/pupils/{school.stranger.pk}/assign/']")
    page.select_option("select[name=category]", "orphans")
    page.wait_for_load_state("networkidle")
    page.fill("input[name=granted_by]", "Қорғаншылық туралы шешім № 15")
    page.select_option("select[name=evidence-0-kind]", "guardianship")
    page.set_input_files(
        "input[name=evidence-0-file]",
        files=[{"name": "sheshim.pdf", "mimeType": "application/pdf", "buffer": PDF}],
    )
    shot(page, "registry-03-assign")
    page.click("form.card button.primary")
    page.wait_for_load_state("networkidle")
    assignment = school.stranger.categories.get()
    assert assignment.category == "orphans" and assignment.status == "applied"
    assert assignment.evidence.get().original_name == "sheshim.pdf"
    assert re.search(r"/eligibility/assignments/\d+/", page.url)
    shot(page, "registry-04-assignment")

    # Import a file with one bad row: nothing changes, the report names the row.
    before = Pupil.objects.count()
    page.goto("/registry/exchange/")
    page.set_input_files(
        "[data-testid=upload-form] input[type=file]",
        files=[
            {"name": "nobd.xlsx", "mimeType": "application/octet-stream", "buffer": bad_row_file()}
        ],
    )
    page.click("[data-testid=upload-form] button[type=submit]")
    report = page.wait_for_selector("[data-testid=error-report]", timeout=30_000)
    text = report.inner_text()
    assert "iin_invalid" in text
    assert re.search(r"^\s*4\s", text, re.M), text  # spreadsheet row 4 (the third pupil)
    assert Pupil.objects.count() == before
    shot(page, "registry-05-import-report")

    # Kazakh ⇄ Russian.
    page.goto("/registry/pupils/")
    page.click("[data-testid=lang-ru]")
    page.wait_for_load_state("networkidle")
    assert page.get_attribute("html", "lang") == "ru"
    assert "Ученики" in page.inner_text("nav.mainnav")
    shot(page, "registry-06-ru")
    page.click("[data-testid=lang-kk]")
    page.wait_for_load_state("networkidle")
    assert page.get_attribute("html", "lang") == "kk"
    assert "Оқушылар" in page.inner_text("nav.mainnav")
    shot(page, "registry-07-kk")
