"""Issue 3 in the browser: the parent's wallet on a phone.

The parent signs in, sees the children and this month's vouchers, opens the dynamic QR of
the active voucher, watches it count down and renew itself (the token lifetime is shortened
to 20 s here so the test need not wait 4 minutes), then makes a share link and opens it on
"the child's phone" (a second browser context without a login). Screenshots go to
var/screenshots/.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import uuid
from types import SimpleNamespace

import base45
import cbor2
import pytest
from playwright.sync_api import expect

from qamqor.core import signing
from qamqor.core.clock import now, today
from qamqor.meals.models import MealRating, MealType, Redemption, Voucher, first_of_month
from qamqor.meals.services.wallet import issue_qr
from qamqor.meals.tokens import verify_token
from qamqor.testing import PASSWORD, PersonaTestCase

from .conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def school(settings):
    settings.MEAL_QR_LIFETIME_SECONDS = 20
    signing.invalidate_cache()
    data = SimpleNamespace()
    PersonaTestCase.setUpTestData.__func__(data)
    month = first_of_month(today())
    data.voucher = Voucher.objects.create(
        school=data.school,
        pupil=data.pupil,
        month=month,
        meal_type=MealType.LUNCH,
        status=Voucher.Status.ACTIVE,
    )
    data.suspended = Voucher.objects.create(
        school=data.school,
        pupil=data.sibling,
        month=month,
        meal_type=MealType.LUNCH,
        status=Voucher.Status.SUSPENDED,
    )
    # A lunch served today, for the parent to rate.
    moment = now()
    Redemption.objects.create(
        client_id=uuid.uuid4(),
        school_id=data.school.pk,
        voucher=data.voucher,
        pupil_id=data.pupil.pk,
        meal_type=MealType.LUNCH,
        day=today(),
        status=Redemption.Status.SERVED,
        terminal="door 1",
        scanned_at=moment,
        received_at=moment,
    )
    yield data
    signing.invalidate_cache()


def scan_qr(path) -> str | None:  # noqa: ANN001
    """The QR code's text in a screenshot, read by zbar (Debian's zbar-tools) when present."""
    zbarimg = shutil.which("zbarimg")
    if not zbarimg:
        return None
    result = subprocess.run(  # noqa: S603 — a fixed local program on our own screenshot
        [zbarimg, "--quiet", "--raw", str(path)], capture_output=True, text=True, check=False
    )
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    assert lines, f"no QR code found in {path}: {result.stderr[:200]}"
    return lines[0]


def qr_markup(page) -> str:  # noqa: ANN001
    return page.locator(".qr-slot svg").evaluate("el => el.outerHTML")


def test_parent_opens_the_dynamic_qr_and_shares_it(page, school, shot, browser, live_server):
    page.set_viewport_size(PHONE)
    login(page, "parent", PASSWORD)

    # My children: the active voucher has a QR button, the suspended one does not.
    page.goto("/meals/wallet/")
    expect(page.locator(f"[data-testid=child-{school.pupil.pk}]")).to_contain_text("Аружан")
    expect(page.locator(f"[data-testid=child-{school.sibling.pk}]")).to_contain_text("Нұрлан")
    expect(page.locator(f"[data-testid=qr-{school.suspended.pk}]")).to_have_count(0)
    shot(page, "wallet-01-children")

    # The QR page: an SVG and a countdown that runs.
    page.click(f"[data-testid=qr-{school.voucher.pk}]")
    page.wait_for_selector(".qr-slot svg.qr-svg")
    box = page.locator(".qr-slot svg").bounding_box()
    assert box and box["width"] >= 250, box  # large enough to scan on a phone
    first = qr_markup(page)
    countdown = page.locator("[data-countdown]")
    expect(countdown).to_have_text(re.compile(r"^0:(1\d|20)$"))
    path = shot(page, "wallet-02-qr")
    scanned = scan_qr(path)
    if scanned is not None:  # what a canteen camera reads from the screen is a valid token
        assert verify_token(scanned, now()).voucher_id == school.voucher.pk

    # It renews itself before it expires: a new token, a new SVG, the countdown restarted.
    page.wait_for_function(
        "old => document.querySelector('.qr-slot svg').outerHTML !== old", arg=first, timeout=20_000
    )
    assert qr_markup(page) != first
    expect(countdown).to_have_text(re.compile(r"^0:(1\d|20)$"))
    expect(page.locator(".qr-box")).not_to_have_class(re.compile("expired"))

    # "New code now" renews at once.
    second = qr_markup(page)
    page.click("[data-qr-renew]")
    page.wait_for_function(
        "old => document.querySelector('.qr-slot svg').outerHTML !== old", arg=second
    )

    # The share link, opened on the child's phone without signing in.
    page.click("[data-testid=share]")
    link = page.locator("[data-testid=share-url]").input_value()
    assert "/meals/wallet/s/" in link
    shot(page, "wallet-03-share")
    phone = browser.new_context(base_url=live_server.url, locale="kk-KZ", viewport=PHONE)
    try:
        child = phone.new_page()
        child.goto(link)
        child.wait_for_selector(".qr-slot svg.qr-svg")
        expect(child.locator("h1")).to_contain_text("Аружан")
        expect(child.locator("h1")).to_contain_text("3А")
        expect(child.locator("body")).not_to_contain_text("Ахметова")
        shot(child, "wallet-04-shared-on-childs-phone")
    finally:
        phone.close()


def test_parent_rates_a_meal_and_the_principal_sees_it(page, school, shot):
    page.set_viewport_size(PHONE)
    login(page, "parent", PASSWORD)
    page.goto(f"/meals/wallet/child/{school.pupil.pk}/")
    meal = page.locator(f"[data-testid=meal-{today():%Y-%m-%d}]")
    meal.locator("label[title='4']").click()
    meal.locator("textarea[name=comment]").fill("Ас жылы әрі дәмді болды")
    shot(page, "wallet-05-rate")
    meal.locator("button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator(f"[data-testid=meal-{today():%Y-%m-%d}] .stars-shown .on")).to_have_count(4)
    assert MealRating.objects.get().score == 4
    shot(page, "wallet-06-rated")

    page.context.clear_cookies()
    page.set_viewport_size({"width": 1280, "height": 900})
    login(page, "director", PASSWORD)
    page.goto("/meals/wallet/ratings/")
    expect(page.locator("body")).to_contain_text("Ас жылы әрі дәмді болды")
    shot(page, "wallet-07-ratings")


def test_the_browser_imports_the_jwks_and_verifies_a_token_with_webcrypto(page, school):
    """What the offline scanner (issue 4) does: import the published JWK with WebCrypto
    Ed25519 and check the COSE signature over the Sig_structure of a wallet token."""
    issued = issue_qr(school.voucher)
    message = cbor2.loads(base45.b45decode(issued.text))
    protected, _unprotected, payload, signature = message.value
    to_be_signed = cbor2.dumps(["Signature1", protected, b"", payload])
    page.goto(f"/api/v1/canteen/keys?school={school.school.pk}")
    result = page.evaluate(
        """async ([kid, data, sig]) => {
            const jwks = await (await fetch(location.href)).json();
            const jwk = jwks.keys.find((k) => k.kid === kid);
            const key = await crypto.subtle.importKey(
                "jwk", jwk, { name: "Ed25519" }, false, ["verify"]);
            const bytes = (hex) => new Uint8Array(hex.match(/../g).map((h) => parseInt(h, 16)));
            const good = await crypto.subtle.verify(
                { name: "Ed25519" }, key, bytes(sig), bytes(data));
            const tampered = bytes(data); tampered[tampered.length - 1] ^= 1;
            const bad = await crypto.subtle.verify({ name: "Ed25519" }, key, bytes(sig), tampered);
            return { good, bad, alg: key.algorithm.name };
        }""",
        [issued.kid, to_be_signed.hex(), signature.hex()],
    )
    assert result == {"good": True, "bad": False, "alg": "Ed25519"}
