"""Browser tests: Playwright for Python driving Debian's Chromium against a live server.

Skipped (loudly, by scripts/test.sh) when no Chromium is installed; QAMQOR_REQUIRE_BROWSER=1
makes a missing browser a failure instead.
"""

from __future__ import annotations

import importlib
import os
import shutil
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; the test code touches the ORM from
# the same thread, which Django would otherwise refuse.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def chromium_path() -> str | None:
    return os.environ.get("QAMQOR_CHROMIUM") or shutil.which("chromium")


# Rows the data migrations seed (reference tables). A transactional test flushes the whole
# database when it ends, taking them along, so each browser test puts them back first.
SEED_MIGRATIONS = (
    "qamqor.eligibility.migrations.0002_seed_subsistence_minimum",
    "qamqor.aid.migrations.0002_seed_amounts",
)


@pytest.fixture(autouse=True)
def reference_data(transactional_db):
    from django.apps import apps

    for module in SEED_MIGRATIONS:
        importlib.import_module(module).seed(apps, None)


@pytest.fixture(scope="session")
def browser():
    path = chromium_path()
    if not path:
        if os.environ.get("QAMQOR_REQUIRE_BROWSER") == "1":
            pytest.fail("QAMQOR_REQUIRE_BROWSER=1 but no chromium is installed")
        pytest.skip("no chromium: browser tests skipped")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=path,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


def align_clock(context) -> None:  # noqa: ANN001
    """Give a browser context the tests' clock when it is moved (QAMQOR_TEST_NOW, conftest.py,
    or a test's own time_machine.travel): the pages' own scripts (token times, the scanner's
    day) must agree with the server. Every new browser context calls this."""
    import datetime as dt

    import time_machine

    if time_machine.escape_hatch.is_travelling():
        context.clock.install(time=dt.datetime.now(tz=dt.UTC))


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url, locale="kk-KZ", viewport={"width": 1280, "height": 900}
    )
    align_clock(context)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def shot():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


def login(page, username: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit].primary")
    page.wait_for_load_state("networkidle")
