"""Bulk reads of personal data leave one audit row per request, naming what was read."""

import datetime as dt

import time_machine
from django.urls import reverse

from qamqor.applications.models import Channel, Service
from qamqor.audit.models import AuditEvent
from qamqor.audit.services import record_read
from qamqor.eligibility import services as eligibility
from qamqor.eligibility.models import Category
from qamqor.testing import PersonaTestCase

MOMENT = dt.datetime(2026, 10, 14, 10, 0, tzinfo=dt.UTC)


@time_machine.travel(MOMENT, tick=False)
class ApiListReadsAreAudited(PersonaTestCase):
    def setUp(self):
        super().setUp()
        self.assignment = eligibility.apply_category(self.pedagog, self.pupil, Category.ASP)
        AuditEvent.objects.all().delete()

    def endpoints(self):
        """(who, url, object type, ids expected) for every list answer with personal data."""
        school, pupil, family = self.school.pk, self.pupil.pk, self.family.pk
        pupils = {self.pupil.pk, self.sibling.pk, self.stranger.pk}
        checklist = f"service={Service.FINANCIAL_AID}&channel={Channel.SCHOOL}"
        return [
            (self.pedagog, "/api/v1/pupils", "registry.pupil", pupils),
            (self.pedagog, "/api/v1/pupils?q=Ахмет", "registry.pupil", None),
            (self.pedagog, "/api/v1/families", "registry.family", None),
            (
                self.pedagog,
                f"/api/v1/pupils/{pupil}/categories",
                "eligibility.categoryassignment",
                {self.assignment.pk},
            ),
            (
                self.pedagog,
                f"/api/v1/families/{family}/income-test",
                "registry.family",
                {family},
            ),
            (self.pedagog, "/api/v1/applications", "applications.application", set()),
            (
                self.pedagog,
                f"/api/v1/pupils/{pupil}/service-checklist?{checklist}",
                "registry.pupil",
                {pupil},
            ),
            (self.pedagog, f"/api/v1/meals/lists/{school}/2026-10", "meals.monthlylist", None),
            (
                self.pedagog,
                f"/api/v1/meals/lists/{school}/2026-10/verification",
                "meals.monthlylist",
                None,
            ),
            (self.parent, "/api/v1/wallet/vouchers", "meals.voucher", set()),
        ]

    def test_one_event_per_request_naming_model_count_ids_and_query(self):
        for user, url, object_type, ids in self.endpoints():
            with self.subTest(url=url):
                AuditEvent.objects.all().delete()
                self.client.force_login(user)
                response = self.client.get(url)
                self.assertEqual(response.status_code, 200, response.content)
                events = list(AuditEvent.objects.all())
                self.assertEqual(len(events), 1, [e.object_type for e in events])
                event = events[0]
                self.assertEqual(
                    (event.action, event.user, event.object_type, event.channel),
                    ("view", user, object_type, "api"),
                )
                self.assertEqual(event.query["path"], url.split("?")[0])
                self.assertIsNotNone(event.count)
                if ids is not None:
                    self.assertEqual(set(event.object_ids), ids)
                    self.assertEqual(event.count, len(ids))
                if user is self.pedagog and (ids or object_type == "meals.monthlylist"):
                    self.assertEqual(event.school_id, self.school.pk)

    def test_the_searched_text_is_not_kept(self):
        self.client.force_login(self.pedagog)
        self.client.get("/api/v1/pupils", {"q": self.pupil.iin, "limit": 10})
        event = AuditEvent.objects.get()
        self.assertEqual(event.query["params"], {"q": "***", "limit": "10"})
        self.assertNotIn(self.pupil.iin, str(event.query))
        self.assertEqual(event.object_label, "Pupils")

    def test_the_answered_page_is_recorded_not_the_whole_list(self):
        self.client.force_login(self.pedagog)
        body = self.client.get("/api/v1/pupils", {"limit": 1, "offset": 1}).json()
        event = AuditEvent.objects.get()
        self.assertEqual(event.object_ids, [item["id"] for item in body["items"]])
        self.assertEqual(event.count, 1)

    def test_a_refusal_records_nothing(self):
        self.client.force_login(self.outsider)
        response = self.client.get(f"/api/v1/pupils/{self.pupil.pk}/categories")
        self.assertEqual(response.status_code, 404)
        self.assertFalse(AuditEvent.objects.exists())

    def test_a_token_call_is_audited_too(self):
        from qamqor.accounts.tokens import issue_token

        raw = issue_token(self.pedagog)
        self.client.get("/api/v1/families", HTTP_AUTHORIZATION=f"Bearer {raw}")
        event = AuditEvent.objects.get()
        self.assertEqual((event.user, event.object_type), (self.pedagog, "registry.family"))


class RecordRead(PersonaTestCase):
    def test_a_read_across_schools_is_one_row_without_a_school(self):
        event = record_read(self.district_officer, "registry.pupil", [self.pupil, self.other_pupil])
        self.assertEqual((event.count, event.school_id), (2, None))
        self.assertEqual(event.object_ids, [self.pupil.pk, self.other_pupil.pk])

    def test_the_school_is_looked_up_when_the_rows_do_not_carry_it(self):
        event = record_read(self.pedagog, "registry.family", [{"id": self.family.pk}])
        self.assertEqual(event.school_id, self.school.pk)


@time_machine.travel(MOMENT, tick=False)
class ListPageReadsAreAudited(PersonaTestCase):
    def test_one_event_per_list_page(self):
        pages = [
            (self.pedagog, reverse("registry:pupils"), "registry.pupil"),
            (self.district_officer, reverse("registry:pupils"), "registry.pupil"),
            (self.pedagog, reverse("eligibility:dashboard"), "eligibility.categoryassignment"),
            (self.pedagog, reverse("applications:dashboard"), "applications.application"),
            (self.pedagog, reverse("applications:consultations"), "applications.consultation"),
            (self.pedagog, reverse("aid:reports"), "aid.purchasereport"),
            (self.pedagog, reverse("meals:canteen_conflicts"), "meals.redemption"),
        ]
        eligibility.apply_category(self.pedagog, self.pupil, Category.ASP)
        for user, url, object_type in pages:
            with self.subTest(url=url, user=user.username):
                AuditEvent.objects.all().delete()
                self.client.force_login(user)
                response = self.client.get(url, {"q": "Ахмет"} if "pupils" in url else {})
                self.assertEqual(response.status_code, 200)
                event = AuditEvent.objects.get()
                self.assertEqual(
                    (event.action, event.user, event.object_type, event.channel),
                    ("view", user, object_type, "web"),
                )
                self.assertEqual(event.count, len(event.object_ids))
                self.assertEqual(event.query["path"], url)

    def test_a_district_officer_reading_two_schools_leaves_one_row(self):
        self.client.force_login(self.district_officer)
        self.client.get(reverse("registry:pupils"))
        event = AuditEvent.objects.get()
        self.assertEqual(event.count, 4)
        self.assertIn(self.other_pupil.pk, event.object_ids)
