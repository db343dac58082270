"""Issue 3 in the browser: the month's free-meal list from the programme to verification.

The pedagogue sets up the programme, edits a meal day on the calendar, forms the list and
sends it; the principal tries to return it without a comment (refused), then approves; the
state verification runs while the page polls its progress, and its failures come back to
the list with the reason. Screenshots go to var/screenshots/.

No worker runs here (as in the demo): the enqueued task is dropped and the verification is
done by the page's progress polls alone, two pupils a poll, so the progress bar is seen.
"""

from __future__ import annotations

import csv
import datetime as dt
from types import SimpleNamespace

import pytest
import time_machine
from playwright.sync_api import expect

from qamqor.core import ids
from qamqor.core.clock import today
from qamqor.eligibility.models import CategoryAssignment
from qamqor.meals.models import ListEntry, MonthlyList, Operator, Voucher
from qamqor.meals.services import verification
from qamqor.meals.services.programme import month_key, previous_month
from qamqor.sandbox import sdu
from qamqor.testing import PASSWORD, PersonaTestCase, make_class, make_pupil

from .conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

COLUMNS = ("iin", "surname", "birth_date", "civil_status", "asp_from", "asp_to",
           "guardianship_number", "guardianship_from")  # fmt: skip


def confirm(pupil, category: str) -> None:
    CategoryAssignment.objects.create(
        school_id=pupil.school_id, pupil=pupil, category=category, status="confirmed",
        received_at=dt.datetime(2026, 8, 20, 10, tzinfo=dt.UTC), counted_from=dt.date(2026, 8, 20),
        due_date=dt.date(2026, 9, 10), valid_from=dt.date(2026, 9, 1),
        valid_to=dt.date(2027, 5, 31),
    )  # fmt: skip


@pytest.fixture(autouse=True)
def clock():
    # One clock for the data, the server and the browser (autouse: before the page is made):
    # a Monday of the school year the categories below are valid in.
    with time_machine.travel(
        dt.datetime(2026, 11, 16, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=5))), tick=True
    ):
        yield


@pytest.fixture
def school(tmp_path, settings, monkeypatch):
    data = SimpleNamespace()
    PersonaTestCase.setUpTestData.__func__(data)
    s = data.school
    first, second = make_class(s, 1, "Ә"), make_class(s, 2, "А")
    fifth, ninth = make_class(s, 5, "А"), make_class(s, 9, "В")
    names = ["Әлихан", "Мирас", "Аяла", "Томирис", "Нұрасыл", "Айару"]
    primary = [make_pupil(s, (first, second)[i % 2], name=n, surname="Қасымова" if i % 2 else "Сейітов",
                          sex="F" if i % 2 else "M") for i, n in enumerate(names)]  # fmt: skip
    ended = make_pupil(s, fifth, surname="Жұмабаев", name="Ерасыл", sex="M")
    orphan = make_pupil(s, ninth, surname="Омарова", name="Дана")
    confirm(ended, "asp")
    confirm(orphan, "orphans")
    confirm(data.sibling, "asp")
    confirm(data.stranger, "other")
    Operator.objects.create(
        name_kk="«Социум пит» ЖШС", name_ru="ТОО «Социум пит»", bin=ids.make_bin(2015, 6, 4242)
    )
    # The state registry: everyone known and alive, except what should come back.
    this_month = today().replace(day=1)
    last_month_end = this_month - dt.timedelta(days=1)
    unknown = primary[3]
    path = tmp_path / "state_registry.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS)
        writer.writeheader()
        for p in [*primary, ended, orphan, data.pupil, data.sibling, data.stranger]:
            if p is unknown:
                continue
            row = dict.fromkeys(COLUMNS, "") | {
                "iin": p.iin, "surname": p.surname, "birth_date": p.birth_date.isoformat(),
                "civil_status": "alive",
            }  # fmt: skip
            if p is data.sibling:
                row |= {"asp_from": "2026-09-01", "asp_to": "2027-05-31"}
            if p is ended:
                row |= {"asp_from": "2026-09-01", "asp_to": last_month_end.isoformat()}
            writer.writerow(row)
    settings.QAMQOR_SANDBOX_STATE_REGISTRY = str(path)
    sdu.forget_registry()
    # No worker: drop the queued task; each poll verifies two pupils.
    monkeypatch.setattr(verification, "enqueue_verification", lambda list_id: None)
    monkeypatch.setattr(verification, "CHUNK", 2)
    monkeypatch.setattr("qamqor.meals.views.lists.POLL_BUDGET", 0)
    data.month = this_month
    data.key = month_key(this_month)
    data.failing = {ended.pk: "asp_not_valid", orphan.pk: "guardianship_missing",
                    unknown.pk: "iin_unknown"}  # fmt: skip
    return data


def english(page):
    origin = "/".join(page.url.split("/")[:3])
    page.context.add_cookies([{"name": "qamqor_language", "value": "en", "url": origin + "/"}])


def test_the_month_list_from_programme_to_verification(page, school, shot):
    s, key = school.school.pk, school.key
    login(page, "pedagog", PASSWORD)
    english(page)  # the assertions read the English source strings

    # The index leads to this month's list; without a programme the list cannot be formed.
    page.goto("/meals/lists/")
    page.click(f"[data-testid=open-{key}]")
    expect(page.locator("[data-testid=form-list]")).to_have_count(0)
    page.goto(f"/meals/programme/{s}/{key}/edit/")
    page.select_option("select[name=operator]", index=1)
    page.fill("input[name=contract_number]", "14/2026")
    page.fill("input[name=lunch_price]", "850")
    shot(page, "meals-01-programme-form")
    page.click("[data-testid=programme-save]")
    expect(page.locator("[data-testid=meal-calendar]")).to_be_visible()
    count = int(page.get_attribute("[data-testid=calendar-count]", "data-days"))
    assert count >= 15

    # Take one meal day off on the calendar (htmx swaps the calendar in place).
    first_served = page.locator("button.day.served").first
    day = first_served.get_attribute("data-day")
    first_served.click()
    expect(page.locator(f"button.day[data-day='{day}'][name=serve]")).to_have_count(1)
    expect(page.locator("[data-testid=calendar-count]")).to_have_attribute(
        "data-days", str(count - 1)
    )
    shot(page, "meals-02-programme-calendar")

    # Form the list: 8 primary pupils (the persona's grade-3 pupil too), 4 by category.
    page.goto(f"/meals/lists/{s}/{key}/")
    page.click("[data-testid=form-list]")
    expect(page.locator("[data-testid=list-total]")).to_have_text("11")
    expect(page.locator("[data-basis=universal] b")).to_have_text("7")
    expect(page.locator("[data-basis=asp] b")).to_have_text("2")
    # The search is htmx's: type only once the page's deferred scripts have run (the list's
    # text shows before them, and a keystroke before htmx is ready is lost).
    page.wait_for_load_state("load")
    page.fill("[data-testid=entry-search]", "Омарова")
    expect(page.locator("[data-testid=entries] tbody tr")).to_have_count(1)
    shot(page, "meals-03-list-formed")
    page.click("[data-testid=submit-list]")
    expect(page.locator("[data-testid=list-status]")).to_contain_text("sent to the principal")
    expect(page.locator("[data-testid=approve-list]")).to_have_count(0)

    # The principal: a return needs a comment; then the approval starts the verification.
    page.context.clear_cookies()
    login(page, "director", PASSWORD)
    english(page)
    page.goto(f"/meals/lists/{s}/{key}/")
    shot(page, "meals-04-principal-review")
    page.click("[data-testid=return-list]")
    expect(page.locator("[data-testid=decision] .errors")).to_be_visible()
    assert MonthlyList.objects.get().status == "submitted"
    page.click("[data-testid=approve-list]")
    progress = page.locator("[data-testid=verification-progress]")
    expect(progress).to_be_visible()
    expect(progress.locator("progress")).to_have_attribute("max", "11")
    shot(page, "meals-05-verification-progress")

    # The polls finish it; the page reloads with the failures and their reasons.
    failures = page.locator("[data-testid=failures]")
    expect(failures).to_be_visible(timeout=30_000)
    expect(page.locator("[data-testid=list-status]")).to_contain_text("verified")
    rows = failures.locator("tbody tr")
    expect(rows).to_have_count(3)
    codes = {rows.nth(i).get_attribute("data-failure") for i in range(3)}
    assert codes == set(school.failing.values())
    failed = dict(
        ListEntry.objects.filter(verification="failed").values_list("pupil_id", "failure_code")
    )
    assert failed == school.failing
    shot(page, "meals-06-verification-failures")

    # Vouchers: 8 verified pupils; primary grades active at once, the others after the SMS
    # (one family has no phone in the registry: its voucher waits).
    page.goto(f"/meals/lists/{s}/{key}/vouchers/")
    expect(page.locator("[data-status=active] b")).to_have_text("7")
    expect(page.locator("[data-status=formed] b")).to_have_text("1")
    expect(page.locator("[data-testid=waiting-sms]")).to_have_text("1")
    assert Voucher.objects.count() == 8
    shot(page, "meals-07-vouchers")

    # The list on a phone.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"/meals/lists/{s}/{key}/")
    shot(page, "meals-08-list-mobile")
    assert previous_month(school.month) < school.month
