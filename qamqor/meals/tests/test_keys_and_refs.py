"""The public key set only reads; a school has its key from setup; a token's pupil reference
is checked even where the pupil has no reference row (hardening issue)."""

from __future__ import annotations

import uuid

from qamqor.core import signing
from qamqor.core.models import SigningKey
from qamqor.meals.models import MealType, PupilRef, Redemption, Voucher
from qamqor.meals.tokens import issue_token
from qamqor.testing import make_pupil, make_school

from .redeem_base import NOV, NOW, RedeemCase

API = "/api/v1"


class KeySetTests(RedeemCase):
    def test_an_anonymous_get_makes_no_key_for_any_school(self):
        bare = make_school(self.district)
        SigningKey.objects.filter(school_id=bare.pk).delete()  # as before the school's setup
        for school in (bare.pk, 999_999):
            response = self.client.get(API + "/canteen/keys", {"school": school})
            self.assertEqual((response.status_code, response.json()), (200, {"keys": []}))
        self.assertFalse(SigningKey.objects.filter(school_id__in=[bare.pk, 999_999]).exists())

    def test_a_new_school_has_its_key_and_the_terminal_downloads_it(self):
        school = make_school(self.district)
        key = signing.active_key(school.pk)
        self.assertIsNotNone(key)
        keys = self.client.get(API + "/canteen/keys", {"school": school.pk}).json()["keys"]
        self.assertEqual([k["kid"] for k in keys], [key.kid])


class PupilReferenceTests(RedeemCase):
    def _unreferenced_voucher(self) -> Voucher:
        pupil = make_pupil(self.school, self.klass, surname="Сәрсенов", name="Әли", sex="M")
        self.assertFalse(PupilRef.objects.filter(pupil=pupil).exists())
        return Voucher.objects.create(
            school=self.school, pupil=pupil, month=NOV, meal_type=MealType.LUNCH,
            status=Voucher.Status.ACTIVE, activated_at=NOW,
        )  # fmt: skip

    def _token(self, voucher: Voucher, ref: uuid.UUID) -> str:
        return issue_token(
            school_id=voucher.school_id, pupil_ref=ref, voucher_id=voucher.pk,
            meal_type=voucher.meal_type, now=NOW,
        ).text  # fmt: skip

    def test_a_token_for_a_pupil_without_a_reference_is_refused(self):
        voucher = self._unreferenced_voucher()
        response = self.post(self.scan(token=self._token(voucher, uuid.uuid4())))
        self.assertEqual(response.status_code, 422, response.content)
        self.assertEqual(response.json()["code"], "voucher_inactive")
        self.assertEqual(self.served(voucher), 0)
        result = self.batch([self.scan(token=self._token(voucher, uuid.uuid4()))]).json()
        self.assertEqual(result["results"][0]["code"], "voucher_inactive")
        self.assertFalse(Redemption.objects.filter(status="served").exists())

    def test_another_pupils_reference_is_refused(self):
        someone_else = PupilRef.objects.get(pupil=self.sibling).ref
        response = self.post(self.scan(token=self._token(self.voucher, someone_else)))
        self.assertEqual(response.json()["code"], "voucher_inactive")
        self.assertEqual(self.post(self.scan(self.voucher)).status_code, 201)
