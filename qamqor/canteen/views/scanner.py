"""The canteen's scanner ("business wallet", seed 004): an installable web app.

Three responses:
- the app page (`/canteen/scan/`), for a signed-in canteen operator;
- its service worker (`/canteen/scan/sw.js`), served here and not from /static/ so that its
  scope covers the page; it lists the files it keeps for offline use and names its cache
  after their content, so a changed file reaches the terminals by itself;
- its web app manifest (`/canteen/scan/manifest.webmanifest`).

The worker and the manifest are public: browsers fetch a manifest without cookies, and a
worker whose update check met a login redirect would stay on an old version. Neither says
anything about anyone. The logic is in static/canteen/scan/js/ (CSP: no inline script).
"""

from __future__ import annotations

import hashlib
import json
import os
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_GET

from qamqor.accounts.types import AuthedRequest
from qamqor.registry.models import School

from ..services.roster import operator_schools

STATIC_DIR = "canteen/scan"
# Besides our own folder, the page uses the house stylesheet.
EXTRA_STATIC = ("qamqor/app.css",)
THEME = "#0a7c86"  # app.css --accent
# The built copies of the npm packages (scripts/build_scanner.mjs), which the page needs.
REQUIRED_VENDOR = ("cose-libs.js", "qr-scanner.min.js", "qr-scanner-worker.min.js")


def _static_files() -> list[tuple[str, Path]]:
    """(static path, file) of every file the app uses offline, sorted."""
    found: dict[str, Path] = {}
    for name in EXTRA_STATIC:
        path = finders.find(name)
        if path:
            found[name] = Path(path)
    root = finders.find(STATIC_DIR)
    if root:
        for folder, _dirs, files in os.walk(root):
            for file in files:
                if file.endswith(".map") or file.startswith("."):
                    continue  # source maps are for developers' tools, not the terminal
                served = Path(folder) / file
                found[f"{STATIC_DIR}/{served.relative_to(root).as_posix()}"] = served
    return sorted(found.items())


def _build() -> tuple[str, list[str]]:
    digest = hashlib.sha256()
    urls = []
    for name, path in _static_files():
        digest.update(name.encode())
        digest.update(path.read_bytes())
        urls.append(static(name))
    return digest.hexdigest()[:16], urls


_cached_build = lru_cache(maxsize=1)(_build)


def offline_assets() -> tuple[str, list[str]]:
    """(version, URLs): re-read on every request while developing, once in production."""
    return _build() if settings.DEBUG else _cached_build()


def vendor_missing() -> list[str]:
    return [n for n in REQUIRED_VENDOR if not finders.find(f"{STATIC_DIR}/vendor/{n}")]


@never_cache
@ensure_csrf_cookie  # the page asks for a terminal token with the session (CSRF header)
@login_required
def scan(request: AuthedRequest) -> HttpResponse:
    school_ids = operator_schools(request.user)
    if not school_ids:
        raise Http404
    schools = [
        {"id": s.pk, "name": s.name}
        for s in School.objects.filter(pk__in=school_ids).order_by("pk")
    ]
    return render(
        request,
        "canteen/scan/page.html",
        {
            "schools": schools,
            "config": {
                "user": request.user.pk,
                "schools": schools,
                "timeZone": settings.TIME_ZONE,
                "swUrl": reverse("canteen:scan_sw"),
                "scope": reverse("canteen:scan"),
                "api": {
                    "keys": "/api/v1/canteen/keys",
                    "roster": "/api/v1/canteen/roster",
                    "terminals": "/api/v1/canteen/terminals",
                    "redeem": "/api/v1/canteen/redemptions",
                    "batch": "/api/v1/canteen/redemptions/batch",
                },
                "csrfCookie": settings.CSRF_COOKIE_NAME,
                "vendor": static(f"{STATIC_DIR}/vendor/"),
            },
            "vendor_missing": vendor_missing(),
            "theme": THEME,
        },
    )


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    version, urls = offline_assets()
    body = render_to_string(
        "canteen/scan/sw.js",
        {
            "version": version,
            "page": json.dumps(reverse("canteen:scan")),
            "assets": json.dumps(urls),
        },
    )
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    # Browsers check for a new worker on every visit; no cache in between may answer.
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = reverse("canteen:scan")
    return response


@require_GET
def manifest(request: HttpRequest) -> JsonResponse:
    page = reverse("canteen:scan")
    icons = [
        {"src": static(f"{STATIC_DIR}/icons/icon.svg"), "sizes": "any", "type": "image/svg+xml"},
        *(
            {
                "src": static(f"{STATIC_DIR}/icons/icon-{n}.png"),
                "sizes": f"{n}x{n}",
                "type": "image/png",
                "purpose": "any maskable",
            }
            for n in (192, 512)
        ),
    ]
    body = {
        "id": page,
        "name": _("Qamqor canteen scanner"),
        "short_name": _("Canteen scanner"),
        "description": _("Scans pupils' meal QR codes, with or without internet."),
        "start_url": page,
        "scope": page,
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#f5f7fa",
        "theme_color": THEME,
        "lang": request.LANGUAGE_CODE,
        "icons": icons,
    }
    response = JsonResponse(body, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/manifest+json"
    return response
