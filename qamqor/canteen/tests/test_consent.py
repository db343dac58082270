"""Face-ID consent: the parent's own page, the pedagogue's paper record, withdrawal erasing
the template. None of this needs the Face-ID packages."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from qamqor.audit.models import AuditEvent
from qamqor.canteen.models import Canteen, FaceConsent, FaceTemplate
from qamqor.canteen.services import faces
from qamqor.core.clock import now, today
from qamqor.testing import PersonaTestCase, make_family, make_guardian

from .base import needs_faceid


def _template(pupil, consent) -> FaceTemplate:  # noqa: ANN001
    # Opaque sealed bytes: these tests are about the row's life, not its contents.
    return FaceTemplate.objects.create(
        school_id=pupil.school_id, pupil=pupil, consent=consent, sealed=b"\x00" * 552,
        created_at=now(),
    )  # fmt: skip


class ParentConsentTests(PersonaTestCase):
    def test_the_parent_gives_consent_for_their_child(self):
        self.login(self.parent)
        url = reverse("canteen:parent_face", args=[self.pupil.pk])
        page = self.client.get(url)
        self.assertContains(page, "Face ID at the canteen door")
        self.assertContains(page, "Give consent")
        refused = self.client.post(reverse("canteen:parent_face_give", args=[self.pupil.pk]))
        self.assertEqual(refused.status_code, 422)  # the box must be ticked
        self.assertFalse(FaceConsent.objects.exists())
        response = self.client.post(
            reverse("canteen:parent_face_give", args=[self.pupil.pk]), {"agree": "on"}
        )
        self.assertRedirects(response, url)
        consent = FaceConsent.objects.get()
        self.assertEqual(
            (consent.pupil, consent.guardian, consent.source, consent.scope),
            (self.pupil, self.guardian, "online", "canteen_entry"),
        )
        self.assertEqual(consent.school_id, self.school.pk)
        self.assertIsNotNone(consent.given_at)
        self.assertContains(self.client.get(url), "Consent given")
        event = AuditEvent.objects.get(object_type="canteen.faceconsent", action="create")
        self.assertEqual(event.fields, ["given_at", "guardian", "scope", "source"])

    def test_a_second_consent_while_one_is_in_force_is_refused(self):
        faces.give_consent(self.parent, self.pupil)
        with self.assertRaises(faces.FaceIdError) as caught:
            faces.give_consent(self.parent, self.pupil)
        self.assertEqual(caught.exception.code, "consent_exists")
        self.assertEqual(FaceConsent.objects.count(), 1)

    def test_withdrawal_erases_the_template(self):
        consent = faces.give_consent(self.parent, self.pupil)
        _template(self.pupil, consent)
        self.login(self.parent)
        response = self.client.post(reverse("canteen:parent_face_withdraw", args=[self.pupil.pk]))
        self.assertRedirects(response, reverse("canteen:parent_face", args=[self.pupil.pk]))
        self.assertFalse(FaceTemplate.objects.filter(pupil=self.pupil).exists())
        consent.refresh_from_db()
        self.assertIsNotNone(consent.withdrawn_at)
        self.assertEqual(consent.withdrawn_by, self.parent)
        # Every process's gallery of the school is now stale.
        self.assertEqual(Canteen.objects.get(school=self.school).faces_version, 1)
        # A new consent may be given after a withdrawal; the old one stays on record.
        faces.give_consent(self.parent, self.pupil)
        self.assertEqual(FaceConsent.objects.filter(pupil=self.pupil).count(), 2)

    def test_withdrawing_without_a_consent_says_so(self):
        self.login(self.parent)
        response = self.client.post(
            reverse("canteen:parent_face_withdraw", args=[self.pupil.pk]), follow=True
        )
        self.assertContains(response, "There is no consent in force for this child.")

    def test_another_parent_and_staff_cannot_use_the_parent_page(self):
        other_family = make_family(self.school)
        stranger_parent = make_guardian(other_family, user=self.nobody).user
        for user in (stranger_parent, self.pedagog, self.teacher):
            self.client.force_login(user)
            for name in ("canteen:parent_face", "canteen:parent_face_give"):
                method = self.client.get if name == "canteen:parent_face" else self.client.post
                response = method(reverse(name, args=[self.pupil.pk]), {"agree": "on"})
                self.assertEqual(response.status_code, 404, (user, name))
        self.assertFalse(FaceConsent.objects.exists())


class PaperConsentTests(PersonaTestCase):
    def test_the_pedagogue_records_a_paper_consent_and_withdraws_it(self):
        self.login(self.pedagog)
        url = reverse("canteen:face_pupil", args=[self.pupil.pk])
        self.assertContains(self.client.get(url), "No consent in force.")
        response = self.client.post(
            reverse("canteen:face_consent", args=[self.pupil.pk]),
            {"guardian": self.guardian.pk, "signed_on": str(today() - dt.timedelta(days=2))},
        )
        self.assertRedirects(response, url)
        consent = FaceConsent.objects.get()
        self.assertEqual((consent.source, consent.recorded_by), ("paper", self.pedagog))
        self.assertEqual(consent.given_at.date(), today() - dt.timedelta(days=2))
        self.assertContains(self.client.get(url), self.guardian.full_name)
        _template(self.pupil, consent)
        response = self.client.post(reverse("canteen:face_withdraw", args=[self.pupil.pk]))
        self.assertRedirects(response, url)
        self.assertFalse(FaceTemplate.objects.exists())

    def test_bad_paper_consents_change_nothing(self):
        self.login(self.pedagog)
        other_guardian = make_guardian(make_family(self.school), name="Бөтен")
        url = reverse("canteen:face_consent", args=[self.pupil.pk])
        future = self.client.post(
            url, {"guardian": self.guardian.pk, "signed_on": str(today() + dt.timedelta(days=1))}
        )
        self.assertContains(future, "cannot be in the future", status_code=422)
        stranger = self.client.post(url, {"guardian": other_guardian.pk, "signed_on": str(today())})
        self.assertEqual(stranger.status_code, 422)  # not a choice for this child
        self.assertFalse(FaceConsent.objects.exists())

    def test_enrolment_without_consent_is_refused(self):
        self.login(self.pedagog)
        from django.core.files.uploadedfile import SimpleUploadedFile

        from .base import photo

        response = self.client.post(
            reverse("canteen:face_enrol", args=[self.pupil.pk]),
            {"photo": SimpleUploadedFile("a.jpg", photo("obama.jpg"), "image/jpeg")},
        )
        self.assertContains(
            response, "Record the parent&#x27;s consent before enrolling", status_code=422
        )
        self.assertFalse(FaceTemplate.objects.exists())

    @needs_faceid  # without the engine the page refuses every photo before its size
    def test_an_oversized_photo_is_refused_before_it_is_read(self):
        faces.record_paper_consent(self.pedagog, self.pupil, self.guardian, today())
        self.login(self.pedagog)
        from django.core.files.uploadedfile import SimpleUploadedFile

        big = b"\xff\xd8\xff" + b"\x00" * (6 * 1024 * 1024)
        response = self.client.post(
            reverse("canteen:face_enrol", args=[self.pupil.pk]),
            {"photo": SimpleUploadedFile("a.jpg", big, "image/jpeg")},
        )
        self.assertContains(response, "The photo is too large", status_code=422)
        self.assertFalse(FaceTemplate.objects.exists())

    def test_the_list_shows_consent_and_enrolment(self):
        consent = faces.record_paper_consent(self.pedagog, self.pupil, self.guardian, today())
        _template(self.pupil, consent)
        faces.record_paper_consent(self.pedagog, self.sibling, self.guardian, today())
        self.login(self.pedagog)
        url = reverse("canteen:faces")
        self.assertContains(self.client.get(url, {"state": "enrolled"}), self.pupil.full_name)
        consent_only = self.client.get(url, {"state": "consent"})
        self.assertContains(consent_only, self.sibling.full_name)
        self.assertNotContains(consent_only, self.pupil.full_name)
        none = self.client.get(url, {"state": "none"})
        self.assertContains(none, self.stranger.full_name)
        self.assertNotContains(none, self.sibling.full_name)
        self.assertTrue(
            AuditEvent.objects.filter(action="view", object_type="canteen.faceconsent").exists()
        )
