"""Issue 4 in the browser: the door TV updates when children enter; the sittings plan.

The canteen operator's TV shows class 3А at 0 of 4. The class teacher, on her own phone,
marks a pupil entered: the TV shows 1 of 4 and the child's first name within a poll or two.
With the Face-ID extra installed, a camera frame (a photo of an enrolled "pupil") posted
by the terminal page's session is recognised and the TV shows that child too. Screenshots:
var/screenshots/tv-*.png and sittings-*.png.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from playwright.sync_api import expect

from qamqor.canteen.faceid import engine
from qamqor.canteen.services import board
from qamqor.canteen.services.faces import enrol_face, record_paper_consent
from qamqor.canteen.tests.base import active_voucher, photo
from qamqor.core.clock import today
from qamqor.testing import PASSWORD, PersonaTestCase, make_pupil

from .conftest import align_clock, login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TV = {"width": 1920, "height": 1080}


@pytest.fixture
def school():
    board.forget()
    data = SimpleNamespace()
    PersonaTestCase.setUpTestData.__func__(data)
    data.third = [data.pupil] + [
        make_pupil(data.school, data.klass, name=n, surname=s)
        for n, s in (("Дана", "Серікова"), ("Әсел", "Омарова"), ("Тимур", "Бекұлы"))
    ]
    for p in data.third:
        active_voucher(p)
    yield data
    board.forget()


def test_the_tv_updates_when_a_child_enters(browser, live_server, school, shot):
    tv_context = browser.new_context(base_url=live_server.url, locale="kk-KZ", viewport=TV)
    align_clock(tv_context)
    tv = tv_context.new_page()
    tv.set_default_timeout(15_000)
    login(tv, "canteen", PASSWORD)
    tv.goto(f"/canteen/tv/?school={school.school.pk}")
    tile = tv.get_by_test_id("tile-3А")
    expect(tile).to_contain_text("0")
    expect(tile).to_contain_text("/ 4")
    shot(tv, "tv-01-empty")

    # The class teacher marks a pupil entered from her phone.
    phone_context = browser.new_context(
        base_url=live_server.url, locale="kk-KZ", viewport={"width": 390, "height": 844}
    )
    phone = phone_context.new_page()
    phone.set_default_timeout(15_000)
    login(phone, "teacher", PASSWORD)
    phone.goto(f"/canteen/class/{school.klass.pk}/")
    row = phone.locator("tr", has_text="Серікова Дана")
    row.get_by_role("button").click()
    phone.wait_for_load_state("networkidle")
    expect(phone.get_by_test_id("class-entered")).to_have_text("1")
    shot(phone, "tv-02-class-teacher")

    expect(tile.locator(".tv-count b")).to_have_text("1", timeout=8_000)
    expect(tv.get_by_test_id("tv-recent")).to_contain_text("Дана С.")
    expect(tv.get_by_test_id("tv-total")).to_contain_text("1")

    if engine.available():
        # A Face-ID frame from the terminal's session: recognised, entered, on the TV.
        guardian = school.guardian
        record_paper_consent(school.pedagog, school.pupil, guardian, today())
        enrol_face(school.pedagog, school.pupil, photo("obama.jpg"))
        terminal = tv_context.new_page()
        terminal.goto(f"/canteen/entry/terminal/?school={school.school.pk}")
        csrf = terminal.locator("#terminal").get_attribute("data-csrf")
        answer = terminal.request.post(
            f"/canteen/entry/terminal/frame/?school={school.school.pk}&terminal=door-1",
            data=photo("obama2.jpg"),
            headers={"Content-Type": "image/jpeg", "X-CSRFToken": csrf},
        )
        assert answer.ok, answer.text()
        assert answer.json()["faces"][0]["status"] == "entered"
        shot(terminal, "tv-03-terminal")
        terminal.close()
        expect(tile.locator(".tv-count b")).to_have_text("2", timeout=8_000)
        expect(tv.get_by_test_id("tv-recent").locator("li").first).to_contain_text("Аружан А.")
    tv.wait_for_timeout(300)
    shot(tv, "tv-04-after-entries")
    phone_context.close()
    tv_context.close()


def test_the_sittings_plan_and_its_print_page(page, live_server, school, shot):
    login(page, "pedagog", PASSWORD)
    page.goto(f"/canteen/sittings/?school={school.school.pk}")
    expect(page.get_by_test_id("sitting-1-1")).to_contain_text("3А")
    shot(page, "sittings-01-plan")
    page.goto(f"/canteen/sittings/print/?school={school.school.pk}")
    page.emulate_media(media="print")
    expect(page.locator("h1")).to_be_visible()
    shot(page, "sittings-02-print")
    page.goto(f"/canteen/settings/?school={school.school.pk}")
    page.fill("textarea[name=shift1]", "09:35-09:55\nlunch")
    page.click("button.primary")
    expect(page.locator(".errorlist")).to_be_visible()
    shot(page, "sittings-03-settings-error")
