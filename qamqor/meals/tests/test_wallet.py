"""The parent's wallet: pages, the dynamic QR, the share link, ratings, the API, the JWKS."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from zoneinfo import ZoneInfo

import base45
import cbor2
import time_machine
from cwt import COSE, COSEKey
from django.urls import reverse

from qamqor.core import signing
from qamqor.eligibility.models import CategoryAssignment
from qamqor.meals.models import MealRating, MealType, PupilRef, Redemption, Voucher
from qamqor.meals.services import wallet as services
from qamqor.meals.tokens import verify_token
from qamqor.testing import PersonaTestCase

ALMATY = ZoneInfo("Asia/Almaty")
NOV = dt.date(2026, 11, 1)
OCT = dt.date(2026, 10, 1)
NOW = dt.datetime(2026, 11, 20, 12, 30, tzinfo=ALMATY)
API = "/api/v1"


def voucher(pupil, month=NOV, status=Voucher.Status.ACTIVE) -> Voucher:  # noqa: ANN001
    return Voucher.objects.create(
        school_id=pupil.school_id,
        pupil=pupil,
        month=month,
        meal_type=MealType.LUNCH,
        status=status,
    )


def served(v: Voucher, day: dt.date, status: str = Redemption.Status.SERVED) -> Redemption:
    at = dt.datetime.combine(day, dt.time(12, 0), tzinfo=ALMATY)
    return Redemption.objects.create(
        client_id=uuid.uuid4(),
        school_id=v.school_id,
        voucher=v,
        pupil_id=v.pupil_id,
        meal_type=v.meal_type,
        day=day,
        status=status,
        terminal="door 1",
        scanned_at=at,
        received_at=at,
    )


class WalletCase(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.voucher = voucher(cls.pupil)  # 3А Аружан, the parent's child
        cls.sibling_voucher = voucher(cls.sibling, status=Voucher.Status.SUSPENDED)
        cls.old_voucher = voucher(cls.pupil, OCT, Voucher.Status.ACTIVE)  # last month's
        cls.stranger_voucher = voucher(cls.stranger)
        cls.other_voucher = voucher(cls.other_pupil)  # school B
        cls.meal1 = served(cls.voucher, dt.date(2026, 11, 18))
        cls.meal2 = served(cls.voucher, dt.date(2026, 11, 19))
        served(cls.voucher, dt.date(2026, 11, 17), Redemption.Status.REFUSED)

    def setUp(self):
        super().setUp()
        signing.invalidate_cache()
        self.addCleanup(signing.invalidate_cache)
        traveller = time_machine.travel(NOW, tick=False)
        traveller.start()
        self.addCleanup(traveller.stop)

    def api(self, method: str, path: str, body: dict | None = None):  # noqa: ANN201
        data = json.dumps(body) if body is not None else None
        return self.client.generic(method, API + path, data or "", content_type="application/json")


class WalletPageTests(WalletCase):
    def test_the_parent_sees_both_children_their_vouchers_and_meals(self):
        self.login(self.parent)
        response = self.client.get(reverse("meals:wallet_home"))
        self.assertContains(response, "Аружан")
        self.assertContains(response, "Нұрлан")
        self.assertContains(response, reverse("meals:wallet_qr", args=[self.voucher.pk]))
        # The suspended voucher has no QR button.
        self.assertNotContains(response, reverse("meals:wallet_qr", args=[self.sibling_voucher.pk]))
        meals = {c["pupil"].pk: c["meals"] for c in response.context["cards"]}
        self.assertEqual(meals, {self.pupil.pk: 2, self.sibling.pk: 0})
        self.assertNotContains(response, "Иван")

    def test_the_wallet_is_the_parents_only(self):
        for persona in ("pedagog", "director", "teacher", "canteen", "outsider", "nobody"):
            self.login(getattr(self, persona))
            for url in (
                reverse("meals:wallet_home"),
                reverse("meals:wallet_child", args=[self.pupil.pk]),
                reverse("meals:wallet_qr", args=[self.voucher.pk]),
                reverse("meals:wallet_qr_fragment", args=[self.voucher.pk]),
            ):
                self.assertEqual(self.client.get(url).status_code, 404, f"{persona} {url}")
            response = self.client.post(reverse("meals:wallet_share", args=[self.voucher.pk]))
            self.assertEqual(response.status_code, 404, persona)

    def test_another_familys_voucher_is_not_found_for_the_parent(self):
        self.login(self.parent)
        for v in (self.stranger_voucher, self.other_voucher):
            self.assertEqual(
                self.client.get(reverse("meals:wallet_qr", args=[v.pk])).status_code, 404
            )
        url = reverse("meals:wallet_child", args=[self.stranger.pk])
        self.assertEqual(self.client.get(url).status_code, 404)

    def test_the_qr_page_shows_a_fresh_svg_and_a_countdown(self):
        self.login(self.parent)
        response = self.client.get(reverse("meals:wallet_qr", args=[self.voucher.pk]))
        self.assertContains(response, 'class="qr-svg"')
        self.assertContains(response, 'data-ttl="300"')
        self.assertContains(response, "data-countdown")
        self.assertContains(response, "meals/wallet.js")
        self.assertEqual(response["Cache-Control"], "no-store, private")
        fresh = reverse("meals:wallet_qr_fragment", args=[self.voucher.pk])
        self.assertContains(response, f'data-qr-refresh="{fresh}"')
        first = self.client.get(fresh).content
        second = self.client.get(fresh).content
        self.assertIn(b"<svg", first)
        self.assertNotEqual(first, second)  # a new nonce each time
        self.assertNotIn(b"<html", first)

    def test_refreshing_the_qr_writes_no_rows(self):
        self.login(self.parent)
        fresh = reverse("meals:wallet_qr_fragment", args=[self.voucher.pk])
        self.client.get(fresh)  # the first QR makes the pupil's reference and the key
        counts = (PupilRef.objects.count(), signing.SigningKey.objects.count())
        for _ in range(3):
            self.client.get(fresh)
        self.assertEqual((PupilRef.objects.count(), signing.SigningKey.objects.count()), counts)

    def test_an_inactive_voucher_shows_why_and_no_qr(self):
        self.login(self.parent)
        for v in (self.sibling_voucher, self.old_voucher):
            response = self.client.get(reverse("meals:wallet_qr", args=[v.pk]))
            self.assertEqual(response.status_code, 200)
            self.assertNotContains(response, "<svg")
            self.assertContains(response, 'data-state="inactive"')

    def test_the_child_page_lists_served_meals_only(self):
        self.login(self.parent)
        response = self.client.get(reverse("meals:wallet_child", args=[self.pupil.pk]))
        self.assertContains(response, 'data-testid="meal-2026-11-18"')
        self.assertContains(response, 'data-testid="meal-2026-11-19"')
        self.assertNotContains(response, 'data-testid="meal-2026-11-17"')  # refused scan
        self.assertContains(response, reverse("meals:wallet_rate", args=[self.voucher.pk]))
        october = self.client.get(
            reverse("meals:wallet_child", args=[self.pupil.pk]), {"month": "2026-10"}
        )
        self.assertEqual(october.context["meals"], [])

    def test_the_qr_token_verifies(self):
        issued = services.issue_qr(self.voucher)
        claims = verify_token(issued.text, NOW)
        self.assertEqual(claims.voucher_id, self.voucher.pk)
        self.assertEqual(claims.pupil_ref, PupilRef.objects.get(pupil=self.pupil).ref)
        self.assertNotIn(self.pupil.iin, issued.text)
        self.assertNotIn(self.pupil.iin.encode(), base45.b45decode(issued.text))


class ShareLinkTests(WalletCase):
    def share(self) -> str:
        self.login(self.parent)
        response = self.client.post(reverse("meals:wallet_share", args=[self.voucher.pk]))
        self.assertEqual(response.status_code, 200)
        self.client.logout()
        return response.context["url"].split("testserver", 1)[1]

    def test_the_link_shows_only_the_qr_first_name_and_class_without_login(self):
        CategoryAssignment.objects.create(
            school=self.school,
            pupil=self.pupil,
            category="asp",
            status="confirmed",
            received_at=NOW,
            counted_from=NOW.date(),
            due_date=NOW.date(),
        )
        url = self.share()
        response = self.client.get(url)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, 'class="qr-svg"')
        self.assertContains(response, "Аружан")
        self.assertContains(response, "3А")
        self.assertNotContains(response, self.pupil.surname)
        self.assertNotContains(response, self.pupil.iin)
        label = str(CategoryAssignment(category="asp").get_category_display())
        self.assertNotContains(response, label)
        fresh = self.client.get(url + "qr/")
        self.assertContains(fresh, "<svg")

    def test_the_link_stops_after_12_hours(self):
        url = self.share()
        with time_machine.travel(NOW + dt.timedelta(hours=11, minutes=59), tick=False):
            self.assertEqual(self.client.get(url).status_code, 200)
        with time_machine.travel(NOW + dt.timedelta(hours=12, seconds=1), tick=False):
            self.assertEqual(self.client.get(url).status_code, 404)
            self.assertEqual(self.client.get(url + "qr/").status_code, 404)

    def test_the_link_stops_when_the_voucher_is_not_active(self):
        url = self.share()
        Voucher.objects.filter(pk=self.voucher.pk).update(status=Voucher.Status.SUSPENDED)
        self.assertEqual(self.client.get(url).status_code, 404)

    def test_a_tampered_link_is_not_found(self):
        url = self.share()
        token = url.rstrip("/").rsplit("/", 1)[1]
        forged = token.replace(f"{self.voucher.pk}:", f"{self.stranger_voucher.pk}:", 1)
        self.assertEqual(
            self.client.get(reverse("meals:wallet_shared", args=[forged])).status_code, 404
        )
        self.assertEqual(
            self.client.get(reverse("meals:wallet_shared", args=["garbage"])).status_code, 404
        )

    def test_no_link_for_an_inactive_voucher(self):
        self.login(self.parent)
        response = self.client.post(reverse("meals:wallet_share", args=[self.sibling_voucher.pk]))
        self.assertRedirects(response, reverse("meals:wallet_qr", args=[self.sibling_voucher.pk]))


class RatingTests(WalletCase):
    def rate(self, day: str, score: str = "4", comment: str = "Дәмді", v: Voucher | None = None):  # noqa: ANN201
        self.login(self.parent)
        url = reverse("meals:wallet_rate", args=[(v or self.voucher).pk])
        return self.client.post(url, {"day": day, "score": score, "comment": comment})

    def test_a_parent_rates_a_served_meal_once(self):
        response = self.rate("2026-11-18")
        self.assertRedirects(
            response, reverse("meals:wallet_child", args=[self.pupil.pk]) + "?month=2026-11"
        )
        rating = MealRating.objects.get()
        self.assertEqual(
            (rating.day, rating.score, rating.comment), (dt.date(2026, 11, 18), 4, "Дәмді")
        )
        self.assertEqual(rating.by, self.parent)
        self.rate("2026-11-18", "1")
        self.assertEqual(MealRating.objects.get().score, 4)
        page = self.client.get(reverse("meals:wallet_child", args=[self.pupil.pk]))
        self.assertContains(page, "Дәмді")

    def test_only_a_day_the_child_was_served(self):
        for day in ("2026-11-17", "2026-11-16", "2026-11-25"):
            self.rate(day)
        self.assertFalse(MealRating.objects.exists())

    def test_the_score_is_1_to_5(self):
        for score in ("0", "6", "x", ""):
            self.rate("2026-11-18", score)
        self.assertFalse(MealRating.objects.exists())

    def test_service_refusal_codes(self):
        def code(**kw) -> str:  # noqa: ANN003
            args = {"day": dt.date(2026, 11, 18), "score": 5, "comment": ""}
            args.update(kw)
            with self.assertRaises(services.WalletError) as caught:
                services.rate_meal(self.parent, self.voucher, **args)
            return caught.exception.code

        self.assertEqual(code(score=0), "score_range")
        self.assertEqual(code(score=True), "score_range")
        self.assertEqual(code(day=dt.date(2026, 11, 17)), "not_served")
        self.assertEqual(code(comment="x" * 1001), "comment_too_long")
        services.rate_meal(self.parent, self.voucher, dt.date(2026, 11, 18), 5, "")
        self.assertEqual(code(), "already_rated")

    def test_the_principal_and_the_district_see_the_ratings(self):
        services.rate_meal(self.parent, self.voucher, dt.date(2026, 11, 18), 5, "Өте жақсы")
        services.rate_meal(self.parent, self.voucher, dt.date(2026, 11, 19), 2, "Суық болды")
        url = reverse("meals:wallet_ratings")
        for persona in ("director", "district_officer", "pedagog", "admin"):
            self.login(getattr(self, persona))
            response = self.client.get(url)
            self.assertContains(response, "Суық болды", msg_prefix=persona)
            self.assertEqual(response.context["totals"]["count"], 2)
            self.assertAlmostEqual(response.context["totals"]["average"], 3.5)
            days = {d.day: d.average for d in response.context["days"]}
            self.assertEqual(days, {dt.date(2026, 11, 18): 5.0, dt.date(2026, 11, 19): 2.0})
        # A pedagogue of school B sees school B only.
        self.login(self.outsider)
        self.assertNotContains(self.client.get(url), "Суық болды")
        for persona in ("parent", "teacher", "canteen", "nobody"):
            self.login(getattr(self, persona))
            self.assertEqual(self.client.get(url).status_code, 404, persona)

    def test_the_ratings_page_filters_by_month(self):
        services.rate_meal(self.parent, self.voucher, dt.date(2026, 11, 18), 5, "")
        self.login(self.director)
        response = self.client.get(reverse("meals:wallet_ratings"), {"month": "2026-10"})
        self.assertEqual(response.context["totals"]["count"], 0)


class WalletApiTests(WalletCase):
    def test_the_parent_lists_their_childrens_vouchers(self):
        self.login(self.parent)
        response = self.api("GET", "/wallet/vouchers")
        self.assertEqual(response.status_code, 200)
        rows = {r["id"]: r for r in response.json()}
        self.assertEqual(set(rows), {self.voucher.pk, self.sibling_voucher.pk, self.old_voucher.pk})
        mine = rows[self.voucher.pk]
        self.assertEqual(
            (
                mine["status"],
                mine["month"],
                mine["meal_type"],
                mine["pupil_name"],
                mine["class_label"],
            ),
            ("active", "2026-11-01", "lunch", "Аружан", "3А"),
        )
        self.assertTrue(mine["usable"])
        self.assertFalse(rows[self.old_voucher.pk]["usable"])
        self.assertNotIn("iin", json.dumps(response.json()))
        only_nov = self.api("GET", "/wallet/vouchers?month=2026-11-01&status=active").json()
        self.assertEqual([r["id"] for r in only_nov], [self.voucher.pk])

    def test_not_a_parent_gets_404(self):
        for persona in ("pedagog", "teacher", "canteen", "outsider"):
            self.login(getattr(self, persona))
            self.assertEqual(self.api("GET", "/wallet/vouchers").status_code, 404, persona)

    def test_the_qr_of_an_active_voucher(self):
        self.login(self.parent)
        response = self.api("POST", f"/wallet/vouchers/{self.voucher.pk}/qr")
        self.assertEqual(response.status_code, 200)
        body = response.json()
        self.assertEqual(set(body), {"token", "issued_at", "expires_at"})
        expires = dt.datetime.fromisoformat(body["expires_at"])
        self.assertEqual(expires, NOW + dt.timedelta(minutes=5))
        claims = verify_token(body["token"], NOW)
        self.assertEqual((claims.voucher_id, claims.school_id), (self.voucher.pk, self.school.pk))

    def test_the_qr_is_the_parents_only(self):
        path = f"/wallet/vouchers/{self.voucher.pk}/qr"
        for persona in ("pedagog", "director", "teacher", "canteen", "outsider", "admin"):
            self.login(getattr(self, persona))
            self.assertEqual(self.api("POST", path).status_code, 404, persona)
        self.login(self.parent)
        response = self.api("POST", f"/wallet/vouchers/{self.stranger_voucher.pk}/qr")
        self.assertEqual(response.status_code, 404)
        self.assertEqual(response.json()["code"], "not_found")
        self.client.logout()
        self.assertEqual(self.api("POST", path).status_code, 401)

    def test_an_inactive_voucher_is_refused(self):
        self.login(self.parent)
        for v in (self.sibling_voucher, self.old_voucher):
            response = self.api("POST", f"/wallet/vouchers/{v.pk}/qr")
            self.assertEqual(response.status_code, 422)
            self.assertEqual(response.json()["code"], "voucher_inactive")
            self.assertTrue(response.json()["message"])

    def test_rating_through_the_api(self):
        self.login(self.parent)
        path = f"/wallet/vouchers/{self.voucher.pk}/ratings"
        response = self.api("POST", path, {"day": "2026-11-18", "score": 5, "comment": "Жақсы"})
        self.assertEqual(response.status_code, 201)
        self.assertEqual(response.json()["score"], 5)
        again = self.api("POST", path, {"day": "2026-11-18", "score": 3})
        self.assertEqual((again.status_code, again.json()["code"]), (409, "already_rated"))
        not_served = self.api("POST", path, {"day": "2026-11-17", "score": 3})
        self.assertEqual((not_served.status_code, not_served.json()["code"]), (422, "not_served"))
        bad = self.api("POST", path, {"day": "2026-11-19", "score": 9})
        self.assertEqual((bad.status_code, bad.json()["code"]), (422, "score_range"))
        stranger = f"/wallet/vouchers/{self.stranger_voucher.pk}/ratings"
        self.assertEqual(
            self.api("POST", stranger, {"day": "2026-11-18", "score": 3}).status_code, 404
        )


class JwksTests(WalletCase):
    def test_the_public_key_set(self):
        # Every school has its first key from setup (registry.signals).
        first = signing.active_key(self.school.pk)
        setup = {k.kid for k in signing.published_keys()}
        old = signing.rotate_key(self.school.pk)
        new = signing.rotate_key(self.school.pk)
        other = signing.rotate_key(self.other_school.pk)
        response = self.client.get(API + "/canteen/keys")  # no login
        self.assertEqual(response.status_code, 200)
        self.assertIn("max-age", response["Cache-Control"])
        keys = {k["kid"]: k for k in response.json()["keys"]}
        self.assertEqual(set(keys), setup | {old.kid, new.kid, other.kid})
        for key in keys.values():
            self.assertEqual(set(key), {"kty", "crv", "x", "kid", "alg", "use", "school"})
            self.assertEqual(
                (key["kty"], key["crv"], key["alg"], key["use"]), ("OKP", "Ed25519", "EdDSA", "sig")
            )
            self.assertRegex(key["x"], r"^[A-Za-z0-9_-]{43}$")
        self.assertEqual(keys[new.kid]["school"], self.school.pk)
        mine = self.client.get(API + "/canteen/keys", {"school": self.school.pk}).json()["keys"]
        self.assertEqual({k["kid"] for k in mine}, {first.kid, old.kid, new.kid})
        with time_machine.travel(NOW + signing.GRACE + dt.timedelta(minutes=1), tick=False):
            later = self.client.get(API + "/canteen/keys", {"school": self.school.pk}).json()
        self.assertEqual([k["kid"] for k in later["keys"]], [new.kid])

    def test_a_school_has_its_first_key_before_the_first_qr(self):
        # Made when the school was set up, not by the (anonymous) GET.
        keys = self.client.get(API + "/canteen/keys", {"school": self.school.pk}).json()["keys"]
        self.assertEqual([k["kid"] for k in keys], [signing.active_key(self.school.pk).kid])
        self.assertEqual(
            self.client.get(API + "/canteen/keys", {"school": 999999}).json(), {"keys": []}
        )

    def test_the_downloaded_jwk_verifies_a_wallet_token_with_cwt(self):
        self.login(self.parent)
        token = self.api("POST", f"/wallet/vouchers/{self.voucher.pk}/qr").json()["token"]
        self.client.logout()
        jwks = self.client.get(API + "/canteen/keys", {"school": self.school.pk}).json()
        keys = [
            COSEKey.from_jwk({k: v for k, v in j.items() if k != "school"}) for j in jwks["keys"]
        ]
        _p, _u, payload = COSE.new(verify_kid=True).decode_with_headers(
            base45.b45decode(token), keys
        )
        self.assertEqual(cbor2.loads(payload)[-65537], self.voucher.pk)
