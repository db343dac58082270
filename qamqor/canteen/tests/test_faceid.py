"""Face ID with real photos (public domain, fixtures/faces/README.md): enrol two people,
recognise them in other photos, refuse a third and keep nothing of it, honour a withdrawal.

Needs the optional `faceid` extra; skipped with the reason without it (QAMQOR_REQUIRE_FACEID=1
makes that a failure)."""

from __future__ import annotations

from pathlib import Path

import time_machine
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from qamqor.audit.models import AuditEvent
from qamqor.canteen.faceid import crypto, engine, gallery
from qamqor.canteen.models import Canteen, Entry, FaceConsent, FaceTemplate
from qamqor.canteen.services import faces
from qamqor.testing import PersonaTestCase, make_family, make_guardian, make_pupil

from .base import needs_faceid, photo

MOMENT = "2026-11-23 12:05 +05:00"  # a Monday lunch break


def _canteen_rows() -> dict[str, int]:
    return {m.__name__: m.objects.count() for m in (Entry, FaceTemplate, FaceConsent, Canteen)} | {
        "audit": AuditEvent.objects.count()
    }


@needs_faceid
class FaceIdTests(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        family = make_family(cls.school)
        cls.biden_parent = make_guardian(family, name="Джо", surname="Байден")
        cls.biden = make_pupil(cls.school, cls.klass, family, name="Джо", surname="Байден", sex="M")
        cls.obama = cls.pupil  # the parent persona's child, class 3А
        for p, g in ((cls.obama, cls.guardian), (cls.biden, cls.biden_parent)):
            faces.record_paper_consent(cls.pedagog, p, g, cls.obama.created_at.date())
        faces.enrol_face(cls.pedagog, cls.obama, photo("obama.jpg"))
        faces.enrol_face(cls.pedagog, cls.biden, photo("biden.jpg"))

    def setUp(self):
        super().setUp()
        gallery.forget()
        self.login(self.canteen)

    def post_frame(self, name: str, terminal: str = "door-1"):
        # Signed in at the (travelled) time of the frame: a session lasts 8 hours.
        self.client.force_login(self.canteen)
        url = reverse("canteen:entry_frame") + f"?school={self.school.pk}&terminal={terminal}"
        return self.client.post(url, photo(name), content_type="image/jpeg")

    def test_templates_are_sealed_and_bound_to_the_pupil(self):
        row = FaceTemplate.objects.get(pupil=self.obama)
        sealed = bytes(row.sealed)
        self.assertEqual(len(sealed), 24 + 16 + 512)  # nonce + MAC + 128 float32
        encoding = crypto.unseal(sealed, self.school.pk, self.obama.pk)
        self.assertEqual(encoding.shape, (128,))
        self.assertNotIn(encoding.astype("<f4").tobytes()[:64], sealed)
        with self.assertRaises(crypto.TemplateError):
            crypto.unseal(sealed, self.school.pk, self.biden.pk)  # copied onto another row
        with self.settings(SECRET_KEY="another-secret-" * 4, SECRET_KEY_FALLBACKS=[]):
            with self.assertRaises(crypto.TemplateError):
                crypto.unseal(sealed, self.school.pk, self.obama.pk)

    def test_no_photo_is_kept(self):
        for row in FaceTemplate.objects.all():
            self.assertNotIn(b"\xff\xd8\xff", bytes(row.sealed)[:3])
            self.assertLess(len(bytes(row.sealed)), 600)
        media = Path(settings.MEDIA_ROOT)
        stored = [p for p in media.rglob("*") if p.is_file()] if media.exists() else []
        self.assertEqual(stored, [])

    def test_two_enrolled_people_are_recognised_in_other_photos(self):
        with time_machine.travel(MOMENT, tick=False):
            response = self.post_frame("obama2.jpg")
            self.assertEqual(response.status_code, 200, response.content)
            self.assertEqual(
                response.json()["faces"],
                [{"status": "entered", "pupil": "Аружан А.", "class": "3А",
                  "at": "2026-11-23T12:05:00+05:00"}],
            )  # fmt: skip
            biden = self.post_frame("biden2.jpg").json()["faces"]
        self.assertEqual([f["pupil"] for f in biden], ["Джо Б."])
        entries = {e.pupil_id: e for e in Entry.objects.all()}
        self.assertEqual(set(entries), {self.obama.pk, self.biden.pk})
        e = entries[self.obama.pk]
        self.assertEqual(
            (e.source, e.terminal, e.school_class_id), ("face", "door-1", self.klass.pk)
        )
        self.assertEqual(str(e.day), "2026-11-23")

    def test_a_repeat_is_answered_and_not_stored(self):
        with time_machine.travel(MOMENT, tick=False):
            self.post_frame("obama2.jpg")
        with time_machine.travel("2026-11-23 12:06 +05:00", tick=False):
            again = self.post_frame("obama.jpg", terminal="door-2").json()["faces"]
        self.assertEqual(again[0]["status"], "already")
        self.assertEqual(again[0]["at"], "2026-11-23T12:05:00+05:00")
        self.assertEqual(Entry.objects.count(), 1)
        self.assertEqual(Entry.objects.get().terminal, "door-1")

    def test_two_faces_in_one_frame(self):
        with time_machine.travel(MOMENT, tick=False):
            found = self.post_frame("obama_and_biden.jpg").json()["faces"]
        names = sorted(f["pupil"] for f in found if f["status"] == "entered")
        self.assertEqual(names, ["Аружан А.", "Джо Б."])
        self.assertEqual(Entry.objects.count(), 2)

    def test_a_third_person_is_refused_and_nothing_of_them_is_stored(self):
        before = _canteen_rows()
        media = Path(settings.MEDIA_ROOT)
        files_before = sorted(media.rglob("*")) if media.exists() else []
        with self.assertLogs("qamqor", level="DEBUG") as logs:
            import logging

            logging.getLogger("qamqor").debug("marker")  # assertLogs needs one record
            response = self.post_frame("astronaut.png")
        self.assertEqual(response.status_code, 200)
        statuses = {f["status"] for f in response.json()["faces"]}
        self.assertEqual(statuses, {"unknown"})
        self.assertNotIn("pupil", response.content.decode())
        self.assertEqual(_canteen_rows(), before)
        self.assertEqual(logs.output, ["DEBUG:qamqor:marker"])
        self.assertEqual(sorted(media.rglob("*")) if media.exists() else [], files_before)

    def test_a_withdrawn_consent_erases_the_template_and_is_honoured(self):
        with time_machine.travel(MOMENT, tick=False):
            self.assertEqual(self.post_frame("biden2.jpg").json()["faces"][0]["status"], "entered")
        self.client.force_login(self.parent)  # the parent persona is Obama's guardian
        response = self.client.post(reverse("canteen:parent_face_withdraw", args=[self.obama.pk]))
        self.assertEqual(response.status_code, 302)
        self.assertFalse(FaceTemplate.objects.filter(pupil=self.obama).exists())
        consent = FaceConsent.objects.get(pupil=self.obama)
        self.assertIsNotNone(consent.withdrawn_at)
        self.assertTrue(
            AuditEvent.objects.filter(
                action="delete", object_type="canteen.facetemplate", fields=["face_template"]
            ).exists()
        )
        self.login(self.canteen)
        with time_machine.travel(MOMENT, tick=False):
            found = self.post_frame("obama2.jpg").json()["faces"]
        self.assertEqual([f["status"] for f in found], ["unknown"])
        self.assertFalse(Entry.objects.filter(pupil=self.obama).exists())

    def test_enrolment_needs_a_consent_in_force(self):
        faces.withdraw_consent(self.pedagog, self.biden)
        with self.assertRaises(faces.FaceIdError) as caught:
            faces.enrol_face(self.pedagog, self.biden, photo("biden2.jpg"))
        self.assertEqual(caught.exception.code, "no_consent")
        self.assertFalse(FaceTemplate.objects.filter(pupil=self.biden).exists())

    def test_enrolment_page_refuses_a_photo_without_a_face_and_a_non_image(self):
        self.login(self.pedagog)
        url = reverse("canteen:face_enrol", args=[self.biden.pk])
        import io

        from django.core.files.uploadedfile import SimpleUploadedFile
        from PIL import Image

        blank = io.BytesIO()
        Image.new("RGB", (200, 200), "white").save(blank, "JPEG")
        before = bytes(FaceTemplate.objects.get(pupil=self.biden).sealed)
        response = self.client.post(
            url, {"photo": SimpleUploadedFile("x.jpg", blank.getvalue(), "image/jpeg")}
        )
        self.assertContains(response, "No face was found in the photo.", status_code=422)
        response = self.client.post(
            url, {"photo": SimpleUploadedFile("x.jpg", b"%PDF-1.4\n%%EOF\n", "image/jpeg")}
        )
        self.assertContains(response, "Only PDF, JPEG and PNG", status_code=422)
        self.assertEqual(bytes(FaceTemplate.objects.get(pupil=self.biden).sealed), before)

    def test_enrolment_page_enrols_again_and_keeps_no_file(self):
        self.login(self.pedagog)
        from django.core.files.uploadedfile import SimpleUploadedFile

        before = FaceTemplate.objects.get(pupil=self.biden).pk
        response = self.client.post(
            reverse("canteen:face_enrol", args=[self.biden.pk]),
            {"photo": SimpleUploadedFile("b.jpg", photo("biden2.jpg"), "image/jpeg")},
        )
        self.assertRedirects(response, reverse("canteen:face_pupil", args=[self.biden.pk]))
        self.assertNotEqual(FaceTemplate.objects.get(pupil=self.biden).pk, before)
        self.assertEqual(FaceTemplate.objects.filter(pupil=self.biden).count(), 1)

    def test_the_gallery_is_decrypted_once_and_follows_other_processes(self):
        first = gallery.gallery_for(self.school.pk)
        self.assertEqual(len(first), 2)
        with CaptureQueriesContext(connection) as queries:
            again = gallery.gallery_for(self.school.pk)
        self.assertIs(again, first)
        self.assertEqual(len(queries), 1)  # the version only
        # Another process enrols a pupil: the version moves; this process rebuilds.
        other = make_pupil(self.school, self.klass, self.family, name="Сара")
        sealed = crypto.seal(first.matrix[0], self.school.pk, other.pk)
        consent = FaceConsent.objects.create(
            school=self.school, pupil=other, guardian=self.guardian, source="paper",
            given_at=other.created_at,
        )  # fmt: skip
        FaceTemplate.objects.create(
            school=self.school, pupil=other, consent=consent, sealed=sealed,
            created_at=other.created_at,
        )  # fmt: skip
        self.assertIs(gallery.gallery_for(self.school.pk), first)  # same version: cached
        from django.db.models import F

        Canteen.objects.filter(school=self.school).update(faces_version=F("faces_version") + 1)
        self.assertEqual(len(gallery.gallery_for(self.school.pk)), 3)

    def test_twins_are_refused_as_ambiguous(self):
        import numpy as np

        probe = engine.find_faces(engine.decode(photo("obama2.jpg")))[0].encoding
        g = gallery.Gallery(1, 0, np.array([10, 11]), np.vstack([probe + 0.01, probe - 0.012]))
        found = gallery.match(g, probe)
        self.assertIsNone(found.pupil_id)
        self.assertTrue(found.ambiguous)
        one = gallery.Gallery(1, 0, np.array([10]), np.vstack([probe + 0.01]))
        self.assertEqual(gallery.match(one, probe).pupil_id, 10)


class WithoutFaceIdTests(PersonaTestCase):
    """The app works without the extra: the pages say Face ID is not installed."""

    def test_pages_say_it_is_not_installed(self):
        self.login(self.canteen)
        original = engine._available
        engine._available = False
        try:
            response = self.client.get(reverse("canteen:entry_terminal"))
            self.assertContains(response, "Face ID is not installed on this server")
            frame = self.client.post(
                reverse("canteen:entry_frame"), b"\xff\xd8\xff", content_type="image/jpeg"
            )
            self.assertEqual(frame.status_code, 503)
            self.assertEqual(frame.json()["code"], "not_installed")
            self.login(self.pedagog)
            page = self.client.get(reverse("canteen:face_pupil", args=[self.pupil.pk]))
            self.assertContains(page, "Face ID is not installed on this server")
        finally:
            engine._available = original
