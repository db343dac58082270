"""The Face-ID entry terminal at the canteen door (seed 000: two terminals at the door).

The page (`canteen/entry/terminal.js`, no inline script: CSP) takes a JPEG from the camera
about every 500 ms and posts it as the raw request body: no multipart parsing, no temporary
file; the bytes live in memory for the request and are never written. The answer names the
children recognised (first name, surname initial, class) or says to look at the camera.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from qamqor.accounts.types import AuthedRequest

from ..faceid import engine
from ..models import ENTRY_RECORDERS
from ..services import entries
from .common import schools_for

FRAME_MAX_BYTES = 1_500_000  # a 1280×960 JPEG at quality 0.8 is ~200 kB
TERMINAL_NAME_MAX = 100


@login_required
@require_GET
def terminal(request: AuthedRequest) -> HttpResponse:
    school, schools = schools_for(request, ENTRY_RECORDERS)
    return render(
        request,
        "canteen/entry/terminal.html",
        {
            "school": school,
            "schools": schools,
            "available": engine.available(),
            "not_installed": engine.MESSAGES["not_installed"],
        },
    )


def _error(code: str, message: str, status: int) -> JsonResponse:
    return JsonResponse({"code": code, "message": message}, status=status)


@never_cache
@login_required
@require_POST
def frame(request: AuthedRequest) -> HttpResponse:
    """One camera frame (`Content-Type: image/jpeg` body) → what the terminal shows."""
    school, _schools = schools_for(request, ENTRY_RECORDERS)
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length <= 0 or length > FRAME_MAX_BYTES:
        return _error("frame_size", _("Send one JPEG frame of at most 1.5 MB."), 422)
    if not engine.available():
        return _error("not_installed", str(engine.MESSAGES["not_installed"]), 503)
    name = (request.GET.get("terminal") or "")[:TERMINAL_NAME_MAX]
    try:
        results = entries.recognise_frame(school.pk, request.body, name, request.user)
    except engine.FaceError as exc:
        return _error(exc.code, exc.message, 422)
    return JsonResponse({"faces": [r.body for r in results]})
