"""The scanner's page, its service worker and its manifest."""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path
from unittest import mock

from django.conf import settings
from django.contrib.staticfiles import finders
from django.urls import reverse

from qamqor.accounts.models import Membership, Role
from qamqor.canteen.views import scanner as views
from qamqor.testing import PersonaTestCase

PAGE = "/canteen/scan/"


class ScannerPageTests(PersonaTestCase):
    def test_urls(self):
        self.assertEqual(reverse("canteen:scan"), PAGE)
        self.assertEqual(reverse("canteen:scan_sw"), "/canteen/scan/sw.js")
        self.assertEqual(reverse("canteen:scan_manifest"), "/canteen/scan/manifest.webmanifest")

    def test_only_a_canteen_operator_opens_it(self):
        response = self.client.get(PAGE)
        self.assertEqual(response.status_code, 302)
        self.assertIn("/accounts/login/", response["Location"])
        for persona in ("pedagog", "director", "teacher", "parent", "admin", "outsider", "nobody"):
            self.client.force_login(getattr(self, persona))
            self.assertEqual(self.client.get(PAGE).status_code, 404, persona)

    def test_the_page_is_an_app_shell_without_inline_script(self):
        self.client.force_login(self.canteen)
        response = self.client.get(PAGE)
        self.assertEqual(response.status_code, 200)
        self.assertIn("no-cache", response["Cache-Control"])
        self.assertIn("csrftoken", response.cookies)  # the page asks for a terminal token
        csp = response["Content-Security-Policy"]
        script_src = re.search(r"script-src ([^;]*)", csp).group(1)
        self.assertEqual(script_src.strip(), "'self'")
        html = response.content.decode()
        for tag in re.findall(r"<script[^>]*>", html):
            self.assertTrue('src="' in tag or 'type="application/json"' in tag, tag)
        self.assertIn('<link rel="manifest" href="/canteen/scan/manifest.webmanifest">', html)
        config = json.loads(
            re.search(r'id="scanner-config" type="application/json">(.*?)</script>', html).group(1)
        )
        self.assertEqual(config["user"], self.canteen.pk)
        self.assertEqual(config["schools"], [{"id": self.school.pk, "name": "Школа № 12"}])
        self.assertEqual(config["timeZone"], "Asia/Almaty")
        self.assertEqual(config["swUrl"], "/canteen/scan/sw.js")
        self.assertEqual(config["scope"], PAGE)
        self.assertEqual(config["api"]["batch"], "/api/v1/canteen/redemptions/batch")
        self.assertEqual(config["csrfCookie"], settings.CSRF_COOKIE_NAME)
        for testid in ("result", "code-input", "camera-toggle", "sync-now", "queue-count"):
            self.assertIn(f'data-testid="{testid}"', html)

    def test_an_operator_of_two_schools_chooses(self):
        Membership.objects.create(user=self.canteen, role=Role.CANTEEN, school=self.other_school)
        self.client.force_login(self.canteen)
        html = self.client.get(PAGE).content.decode()
        self.assertIn("data-school-select", html)
        self.assertIn(f'<option value="{self.other_school.pk}">', html)

    def test_missing_browser_files_are_said_on_the_page(self):
        self.client.force_login(self.canteen)
        with mock.patch.object(views, "vendor_missing", return_value=["cose-libs.js"]):
            self.assertContains(self.client.get(PAGE), "build_scanner.mjs")


class ServiceWorkerTests(PersonaTestCase):
    def test_the_worker_is_public_and_scoped_to_the_page(self):
        response = self.client.get("/canteen/scan/sw.js")
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response["Content-Type"].startswith("text/javascript"))
        self.assertEqual(response["Cache-Control"], "no-cache")
        self.assertEqual(response["Service-Worker-Allowed"], PAGE)
        body = response.content.decode()
        self.assertIn('const PAGE = "/canteen/scan/";', body)
        self.assertRegex(body, r'const VERSION = "[0-9a-f]{16}";')

    def test_it_keeps_every_file_of_the_app_and_no_source_map(self):
        body = self.client.get("/canteen/scan/sw.js").content.decode()
        assets = json.loads(re.search(r"const ASSETS = (\[.*?\]);", body).group(1))
        for name in (
            "qamqor/app.css",
            "canteen/scan/scan.css",
            "canteen/scan/js/app.js",
            "canteen/scan/js/cwt.js",
            "canteen/scan/js/store.js",
            "canteen/scan/icons/icon.svg",
        ):
            self.assertIn(settings.STATIC_URL + name, assets)
        if not views.vendor_missing():  # built by scripts/build_scanner.mjs
            for name in views.REQUIRED_VENDOR + ("qr-scanner-worker.js",):
                self.assertIn(f"{settings.STATIC_URL}canteen/scan/vendor/{name}", assets)
        self.assertFalse([a for a in assets if a.endswith(".map")])
        for url in assets:
            self.assertTrue(finders.find(url.removeprefix(settings.STATIC_URL)), url)

    def test_the_version_follows_the_files_content(self):
        folder = Path(self.enterContext(tempfile.TemporaryDirectory()))
        path = folder / "app.js"
        path.write_text("one")
        with mock.patch.object(views, "_static_files", return_value=[("x/app.js", path)]):
            first, urls = views._build()
            path.write_text("two")
            second, _ = views._build()
            path.write_text("one")
            third, _ = views._build()
        self.assertEqual(urls, [settings.STATIC_URL + "x/app.js"])
        self.assertNotEqual(first, second)
        self.assertEqual(first, third)


class ManifestTests(PersonaTestCase):
    def test_an_installable_app(self):
        response = self.client.get("/canteen/scan/manifest.webmanifest")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "application/manifest+json")
        manifest = response.json()
        self.assertEqual(manifest["start_url"], PAGE)
        self.assertEqual(manifest["scope"], PAGE)
        self.assertEqual(manifest["display"], "standalone")
        self.assertEqual(manifest["theme_color"], views.THEME)
        self.assertEqual(manifest["name"], "Qamqor canteen scanner")
        sizes = {icon["sizes"] for icon in manifest["icons"]}
        self.assertTrue({"192x192", "512x512", "any"} <= sizes)
        for icon in manifest["icons"]:
            self.assertTrue(finders.find(icon["src"].removeprefix(settings.STATIC_URL)), icon)
