"""Issue 4 in the browser: the canteen's offline scanner at /canteen/scan/.

The operator signs in and opens the scanner at a phone's width; the page gets a terminal
token, the school's keys and the day's roster, and registers its service worker. Then:
a valid QR is served and a forged and an expired one refused (online: the server's answer;
offline: the terminal's own check with WebCrypto); offline, 20 pupils are served, the page
is reloaded (from the service worker's cache) and still holds its queue, and when the
network returns exactly 20 meals reach the database; two terminals serving one pupil offline
give one meal and one conflict. Screenshots: var/screenshots/scanner-*.png.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect

from qamqor.accounts.models import ApiToken
from qamqor.canteen.tests.scanner_setup import canteen_day, expired_qr, forged_qr, qr
from qamqor.canteen.views.scanner import vendor_missing
from qamqor.core import signing
from qamqor.meals.models import Redemption
from qamqor.testing import PASSWORD, PersonaTestCase

from .conftest import align_clock, login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
ROOT = Path(__file__).resolve().parents[2]
SERVED = Redemption.Status.SERVED


@pytest.fixture(scope="module", autouse=True)
def built_vendor_files():
    """The npm packages' browser files (git-ignored) are built by `make test`/`make demo`;
    a bare pytest run builds them when node_modules is there."""
    if vendor_missing() and (ROOT / "node_modules").is_dir():
        subprocess.run(["node", "scripts/build_scanner.mjs"], cwd=ROOT, check=True)  # noqa: S603, S607
    missing = vendor_missing()
    assert not missing, f"run `npm ci && node scripts/build_scanner.mjs` first: {missing}"


@pytest.fixture
def school():
    signing.invalidate_cache()
    data = SimpleNamespace()
    PersonaTestCase.setUpTestData.__func__(data)
    canteen_day(data, pupils=20)
    yield data
    signing.invalidate_cache()


def watch(page) -> list[str]:  # noqa: ANN001
    """What must never happen on the page: an uncaught error, or something the CSP blocked
    (an inline script, eval, a blob: worker)."""
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"pageerror: {error}"))
    page.on(
        "console",
        lambda msg: (
            problems.append(msg.text)
            if msg.type == "error" and "Content Security Policy" in msg.text
            else None
        ),
    )
    return problems


def open_scanner(page, username: str = "canteen"):  # noqa: ANN001, ANN201
    page.problems = watch(page)
    page.set_viewport_size(PHONE)
    login(page, username, PASSWORD)
    page.goto("/canteen/scan/")
    app = page.locator("[data-testid=scanner]")
    expect(app).to_have_attribute("data-ready", "1")
    expect(app).to_have_attribute("data-sw", "ready")
    return app


def scan(page, text: str) -> None:  # noqa: ANN001
    box = page.locator("[data-testid=code-input]")
    box.fill(text)
    box.press("Enter")


def expect_result(page, state: str, title: str, pupil: str = "", why: str = "") -> None:  # noqa: ANN001
    result = page.locator("[data-testid=result]")
    expect(result).to_have_attribute("data-state", state)
    expect(page.locator("[data-testid=result-title]")).to_have_text(title)
    if pupil:
        expect(page.locator("[data-testid=result-pupil]")).to_have_text(pupil)
    if why:
        expect(page.locator("[data-testid=result-reason]")).to_contain_text(why)


def served(voucher=None) -> int:  # noqa: ANN001
    rows = Redemption.objects.filter(status=SERVED)
    return (rows.filter(voucher=voucher) if voucher else rows).count()


def test_scanner_serves_a_valid_qr_and_refuses_a_forged_and_an_expired_one(page, school, shot):
    app = open_scanner(page)
    expect(page.locator("[data-testid=roster-info]")).to_contain_text("22 ваучер")
    expect(page.locator("[data-testid=net-state]")).to_have_text("желіде")
    shot(page, "scanner-01-ready")

    # Online: the redemption API decides; the screen says so in Kazakh.
    scan(page, qr(school.voucher))
    expect_result(page, "served", "Тамақ берілді", "Аружан А. · 3А")
    assert served(school.voucher) == 1
    expect(page.locator("[data-testid=served-count]")).to_have_text("1")
    expect(page.locator("[data-testid=queue-count]")).to_have_text("0")
    shot(page, "scanner-02-served")

    scan(page, forged_qr(school.sibling_voucher))
    expect_result(page, "refused", "Тамақ берілмейді", why="жалған")
    scan(page, expired_qr(school.sibling_voucher))
    expect_result(page, "refused", "Тамақ берілмейді", why="мерзімі өтіп кеткен")
    shot(page, "scanner-03-expired")
    scan(page, qr(school.voucher))
    expect_result(page, "refused", "Тамақ берілмейді", "Аружан А. · 3А", "алып қойған")
    codes = set(Redemption.objects.values_list("code", flat=True))
    assert codes == {"", "bad_signature", "expired", "already_served_today"}, codes
    assert served() == 1

    # Offline the terminal checks the same things itself, with WebCrypto and the roster.
    page.context.set_offline(True)
    expect(app).to_have_attribute("data-net", "offline")
    scan(page, forged_qr(school.sibling_voucher))
    expect_result(page, "refused", "Тамақ берілмейді", why="жалған")
    scan(page, expired_qr(school.sibling_voucher))
    expect_result(page, "refused", "Тамақ берілмейді", why="мерзімі өтіп кеткен")
    scan(page, qr(school.suspended))
    expect_result(page, "refused", "Тамақ берілмейді", why="белсенді емес")
    scan(page, "HELLO WORLD")
    expect_result(page, "refused", "Тамақ берілмейді", why="QR коды емес")
    scan(page, qr(school.voucher))  # served online a minute ago: the roster says so
    expect_result(page, "refused", "Тамақ берілмейді", "Аружан А. · 3А", "алып қойған")
    scan(page, qr(school.sibling_voucher))
    expect_result(page, "served", "Тамақ берілді", "Нұрлан А. · 7Б", "Интернетсіз сақталды")
    expect(page.locator("[data-testid=queue-count]")).to_have_text("1")
    shot(page, "scanner-04-offline-served")
    # Refusals offline stay on the device: only the meal given waits to be sent.
    assert Redemption.objects.count() == 4

    page.context.set_offline(False)
    expect(page.locator("[data-testid=queue-count]")).to_have_text("0")
    assert served(school.sibling_voucher) == 1
    assert served() == 2
    assert page.problems == []


def test_offline_twenty_pupils_survive_a_reload_and_sync_exactly_once(page, school, shot):
    app = open_scanner(page)
    tokens = [qr(v) for v in school.class_vouchers]
    page.context.set_offline(True)
    expect(app).to_have_attribute("data-net", "offline")
    for n, token in enumerate(tokens, start=1):
        scan(page, token)
        expect(page.locator("[data-testid=queue-count]")).to_have_text(str(n))
    expect_result(page, "served", "Тамақ берілді")
    # The same pupil again: refused on the terminal, nothing queued.
    scan(page, tokens[0])
    expect_result(page, "refused", "Тамақ берілмейді", why="алып қойған")
    expect(page.locator("[data-testid=queue-count]")).to_have_text("20")
    expect(page.locator("[data-testid=served-count]")).to_have_text("20")
    shot(page, "scanner-05-offline-queue")
    assert Redemption.objects.count() == 0

    # Reloaded without a network: the service worker serves the page; IndexedDB the queue.
    response = page.reload()
    assert response is not None and response.from_service_worker
    expect(app).to_have_attribute("data-ready", "1")
    expect(page.locator("[data-testid=queue-count]")).to_have_text("20")
    expect(page.locator("[data-testid=served-count]")).to_have_text("20")
    expect(app).to_have_attribute("data-net", "offline")
    shot(page, "scanner-06-reloaded-offline")
    assert Redemption.objects.count() == 0

    page.context.set_offline(False)
    expect(page.locator("[data-testid=queue-count]")).to_have_text("0", timeout=20_000)
    expect(page.locator("[data-testid=last-sync]")).to_have_text(re.compile(r"\d\d:\d\d"))
    assert served() == 20
    assert Redemption.objects.count() == 20
    assert set(Redemption.objects.values_list("voucher_id", flat=True)) == {
        v.pk for v in school.class_vouchers
    }
    shot(page, "scanner-07-synced")

    # Sending the queue again (a retry after a lost answer) changes nothing.
    page.locator("[data-testid=sync-now]").click()
    replay = page.evaluate(
        """async () => {
            const open = indexedDB.open("qamqor-scanner");
            const db = await new Promise((ok) => { open.onsuccess = () => ok(open.result); });
            const get = (store, key) => new Promise((ok) => {
                const req = db.transaction(store).objectStore(store)[key ? "get" : "getAll"](key);
                req.onsuccess = () => ok(req.result);
            });
            const terminal = await get("meta", "terminal");
            const scans = (await get("scans")).filter((s) => s.state === "sent");
            const response = await fetch("/api/v1/canteen/redemptions/batch", {
                method: "POST",
                headers: {"Content-Type": "application/json", Authorization: "Bearer " + terminal.token},
                body: JSON.stringify({scans: scans.map((s) => ({token: s.token,
                    client_id: s.client_id, terminal: s.terminal, scanned_at: s.scanned_at}))}),
            });
            return (await response.json()).results.map((r) => r.status);
        }"""
    )
    assert replay == ["served"] * 20
    assert Redemption.objects.count() == 20
    assert page.problems == []


def test_two_terminals_offline_serve_one_pupil_once_and_record_one_conflict(
    browser, live_server, school, shot
):
    terminals = []
    for username in ("canteen", "canteen2"):
        context = browser.new_context(base_url=live_server.url, locale="ru-RU", viewport=PHONE)
        align_clock(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        open_scanner(page, username)
        terminals.append(page)
    try:
        token = qr(school.voucher)
        for page in terminals:
            page.context.set_offline(True)
            scan(page, token)
            expect_result(page, "served", "Питание выдано", "Аружан А. · 3А")
        for page in terminals:
            page.context.set_offline(False)
            expect(page.locator("[data-testid=queue-count]")).to_have_text("0", timeout=20_000)
        second = terminals[1]
        expect(second.locator("[data-testid=sync-info]")).to_contain_text("Конфликты: 1")
        expect(second.locator("[data-testid=scan-log] li").first).to_have_class("conflict")
        shot(second, "scanner-08-conflict")
        statuses = sorted(Redemption.objects.values_list("status", flat=True))
        assert statuses == [Redemption.Status.CONFLICT, SERVED]
        assert served(school.voucher) == 1
        # The second terminal's screen, still showing that scan, now says what it came to.
        expect_result(second, "refused", "Выдано на другом терминале", "Аружан А. · 3А")
        assert terminals[0].problems == [] and second.problems == []
    finally:
        for page in terminals:
            page.context.close()


def test_a_failed_sync_is_retried_after_a_backoff(page, school, shot):
    app = open_scanner(page)
    page.context.set_offline(True)
    expect(app).to_have_attribute("data-net", "offline")
    for voucher in school.class_vouchers[:2]:
        scan(page, qr(voucher))
    expect(page.locator("[data-testid=queue-count]")).to_have_text("2")

    # The network is back but the server fails once (a deploy, an overloaded proxy).
    failures = []

    def fail_once(route):  # noqa: ANN001
        if not failures:
            failures.append(route.request.url)
            route.fulfill(status=503, body="")
        else:
            route.continue_()

    page.route("**/api/v1/canteen/redemptions/batch", fail_once)
    page.context.set_offline(False)
    expect(page.locator("[data-testid=sync-info]")).to_contain_text("қайталанады")
    expect(page.locator("[data-testid=queue-count]")).to_have_text("2")
    shot(page, "scanner-10-retry")
    assert Redemption.objects.count() == 0
    # The timer tries again after 4–6 s (5 s with jitter) and the queue goes through.
    expect(page.locator("[data-testid=queue-count]")).to_have_text("0", timeout=15_000)
    assert len(failures) == 1
    assert served() == 2
    assert page.problems == []


def test_a_revoked_terminal_token_is_replaced_and_the_scan_kept(page, school):
    open_scanner(page)
    assert ApiToken.objects.filter(user=school.canteen, revoked=False).count() == 1
    ApiToken.objects.filter(user=school.canteen).update(revoked=True)

    # The server refuses the token: the terminal serves on its own word and queues the scan,
    # then gets a new token with the operator's session and sends the queue with it.
    scan(page, qr(school.voucher))
    expect_result(page, "served", "Тамақ берілді", "Аружан А. · 3А")
    expect(page.locator("[data-testid=queue-count]")).to_have_text("0")
    assert served(school.voucher) == 1
    fresh = ApiToken.objects.get(user=school.canteen, revoked=False)
    assert fresh.label.startswith("scanner: scanner-")
    assert Redemption.objects.get().operator_user_id == school.canteen.pk
    assert page.problems == []
