"""The canteen's pages, mounted at /canteen/ under the namespace `canteen`: the scanner app
(scan/), entry terminals, Face-ID consent, the door TV, the sittings plan and the cross-check.
The scan API is under /api/v1/ (meals.api.canteen, canteen.api)."""

from django.urls import path

from .views import crosscheck, entry, faces, scanner, sittings, tv

app_name = "canteen"
urlpatterns = [
    path("scan/", scanner.scan, name="scan"),
    path("scan/sw.js", scanner.service_worker, name="scan_sw"),
    path("scan/manifest.webmanifest", scanner.manifest, name="scan_manifest"),
    path("entry/terminal/", entry.terminal, name="entry_terminal"),
    path("entry/terminal/frame/", entry.frame, name="entry_frame"),
    path("faces/", faces.index, name="faces"),
    path("faces/pupil/<int:pk>/", faces.pupil_page, name="face_pupil"),
    path("faces/pupil/<int:pk>/consent/", faces.consent_record, name="face_consent"),
    path("faces/pupil/<int:pk>/enrol/", faces.enrol, name="face_enrol"),
    path("faces/pupil/<int:pk>/withdraw/", faces.withdraw, name="face_withdraw"),
    path("family/child/<int:pk>/face/", faces.parent_page, name="parent_face"),
    path("family/child/<int:pk>/face/give/", faces.parent_give, name="parent_face_give"),
    path(
        "family/child/<int:pk>/face/withdraw/", faces.parent_withdraw, name="parent_face_withdraw"
    ),
    path("tv/", tv.tv, name="tv"),
    path("tv/board/", tv.tv_board, name="tv_board"),
    path("class/<int:pk>/", tv.class_view, name="class_view"),
    path("class/<int:pk>/mark/", tv.class_mark, name="class_mark"),
    path("sittings/", sittings.plan, name="sittings"),
    path("sittings/print/", sittings.plan_print, name="sittings_print"),
    path("sittings/pdf/", sittings.plan_pdf, name="sittings_pdf"),
    path("settings/", sittings.settings_page, name="settings"),
    path("crosscheck/", crosscheck.crosscheck, name="crosscheck"),
    path("crosscheck/run/", crosscheck.crosscheck_run, name="crosscheck_run"),
]
