import datetime as dt

from qamqor.core import ids
from qamqor.registry.models import Pupil
from qamqor.testing import PersonaTestCase


class PupilApi(PersonaTestCase):
    def test_list_and_get(self):
        self.login(self.pedagog)
        data = self.client.get("/api/v1/pupils", {"q": "Иван"}).json()
        self.assertEqual(data["count"], 1)
        self.assertEqual(data["items"][0]["iin"], self.stranger.iin)
        one = self.client.get(f"/api/v1/pupils/{self.pupil.pk}").json()
        self.assertEqual(one["school_class"], "3А")
        self.assertEqual(self.client.get(f"/api/v1/pupils/{self.other_pupil.pk}").status_code, 404)

    def test_bad_iin_answers_422_and_saves_nothing(self):
        self.login(self.pedagog)
        for lang in ("kk", "ru"):
            response = self.client.post(
                "/api/v1/pupils",
                {"iin": "140315600012", "surname": "А", "name": "Б"},
                content_type="application/json",
                HTTP_ACCEPT_LANGUAGE=lang,
            )
            self.assertEqual(response.status_code, 422)
            self.assertEqual(response.json()["code"], "iin_invalid")
            self.assertTrue(response.json()["message"])
        self.assertFalse(Pupil.objects.filter(surname="А").exists())

    def test_create_and_patch(self):
        self.login(self.pedagog)
        iin = ids.make_iin(dt.date(2017, 2, 3), "F", 9090)
        response = self.client.post(
            "/api/v1/pupils",
            {"iin": iin, "surname": "Серікова", "name": "Айя", "school_class_id": self.klass.pk},
            content_type="application/json",
        )
        self.assertEqual(response.status_code, 201, response.content)
        pid = response.json()["id"]
        response = self.client.patch(
            f"/api/v1/pupils/{pid}", {"name": "Айым"}, content_type="application/json"
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(Pupil.objects.get(pk=pid).name, "Айым")
        response = self.client.patch(
            f"/api/v1/pupils/{pid}", {"iin": "000000000001"}, content_type="application/json"
        )
        self.assertEqual(response.status_code, 422)
        self.assertEqual(Pupil.objects.get(pk=pid).iin, iin)
        # a class of another school is refused, not silently accepted
        other_class = self.other_pupil.school_class_id
        response = self.client.patch(
            f"/api/v1/pupils/{pid}",
            {"school_class_id": other_class},
            content_type="application/json",
        )
        self.assertEqual(response.status_code, 422)

    def test_a_class_or_family_of_another_school_is_refused(self):
        self.login(self.pedagog)
        url = f"/api/v1/pupils/{self.pupil.pk}"
        foreign = {
            "school_class_id": (self.other_pupil.school_class_id, "class_unknown"),
            "family_id": (self.other_pupil.family_id, "family_unknown"),
        }
        for key, (pk, code) in foreign.items():
            with self.subTest(key):
                response = self.client.patch(url, {key: pk}, content_type="application/json")
                self.assertEqual(response.status_code, 422)
                self.assertEqual((response.json()["code"], response.json()["field"]), (code, key))
        self.pupil.refresh_from_db()
        self.assertEqual((self.pupil.school_class, self.pupil.family), (self.klass, self.family))
        # null unlinks: the pupil is in no class.
        response = self.client.patch(
            url, {"school_class_id": None}, content_type="application/json"
        )
        self.assertEqual(response.status_code, 200, response.content)
        self.assertIsNone(response.json()["school_class"])

    def test_duplicate_iin(self):
        self.login(self.pedagog)
        response = self.client.post(
            "/api/v1/pupils",
            {"iin": self.pupil.iin, "surname": "X", "name": "Y"},
            content_type="application/json",
        )
        self.assertEqual(response.status_code, 422)
        self.assertEqual(response.json()["code"], "iin_duplicate")

    def test_readers_cannot_write(self):
        for user in (self.director, self.parent, self.outsider, self.teacher):
            self.login(user)
            response = self.client.patch(
                f"/api/v1/pupils/{self.pupil.pk}", {"name": "Z"}, content_type="application/json"
            )
            self.assertEqual(response.status_code, 404, user.username)


class FamilyApi(PersonaTestCase):
    def test_family_figures_and_access(self):
        self.login(self.parent)
        data = self.client.get(f"/api/v1/families/{self.family.pk}").json()
        self.assertEqual(data["members"], 3)
        self.assertEqual(data["per_capita_income"], 30000)
        self.assertEqual(sorted(data["pupil_ids"]), sorted([self.pupil.pk, self.sibling.pk]))
        self.assertEqual(
            self.client.get(f"/api/v1/families/{self.stranger.family_id}").status_code, 404
        )

    def test_create_and_patch_family(self):
        self.login(self.pedagog)
        response = self.client.post(
            "/api/v1/families", {"address": "Шымкент"}, content_type="application/json"
        )
        self.assertEqual(response.status_code, 201)
        fid = response.json()["id"]
        response = self.client.patch(
            f"/api/v1/families/{fid}", {"phone": "+77010000000"}, content_type="application/json"
        )
        self.assertEqual(response.json()["phone"], "+77010000000")
        listing = self.client.get("/api/v1/families").json()
        self.assertEqual(listing["count"], 3)  # two families of the fixture + this one


class HelperApi(PersonaTestCase):
    def test_iin_check(self):
        iin = ids.make_iin(dt.date(2014, 3, 15), "F", 1)
        self.assertEqual(
            self.client.get(f"/api/v1/iin/{iin}").json(),
            {"valid": True, "birth_date": "2014-03-15", "sex": "F", "error": None, "message": None},
        )
        bad = self.client.get("/api/v1/iin/12345").json()
        self.assertEqual((bad["valid"], bad["error"]), (False, "iin_length"))

    def test_due_date_after_hours_and_over_nauryz(self):
        # Thursday 19 March 2026, 19:00 → counted from Friday 20. Nauryz is 21–23 March; the
        # 21st and 22nd fall on a weekend and move to the 24th and 25th, so 23–25 are off.
        response = self.client.get(
            "/api/v1/calendar/due-date",
            {"received": "2026-03-19T19:00:00+05:00", "working_days": 15},
        ).json()
        self.assertEqual(response["counted_from"], "2026-03-20")
        self.assertEqual(response["due"], "2026-04-15")
