"""What one audit row holds, who may read the trail, and that nobody may edit it."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.test import RequestFactory
from django.urls import reverse

from qamqor.accounts.models import User
from qamqor.audit.models import AuditEvent
from qamqor.audit.services import (
    MAX_IDS,
    audit_read,
    record,
    record_many,
    record_read,
    request_query,
)
from qamqor.testing import PersonaTestCase

MOMENT = dt.datetime(2026, 10, 14, 10, 0, tzinfo=dt.UTC)


@time_machine.travel(MOMENT, tick=False)
class Record(PersonaTestCase):
    def test_a_change_names_the_object_its_school_and_the_fields_never_their_values(self):
        event = record(self.pedagog, "update", self.pupil, fields=["surname", "iin", "surname"])
        event.refresh_from_db()
        self.assertEqual(
            (event.at, event.user, event.action, event.object_type, event.object_id),
            (MOMENT, self.pedagog, "update", "registry.pupil", str(self.pupil.pk)),
        )
        self.assertEqual((event.school_id, event.object_label), (self.school.pk, str(self.pupil)))
        self.assertEqual(event.fields, ["iin", "surname"])
        self.assertNotIn(self.pupil.iin, str(event.fields))
        self.assertEqual((event.actor_username, event.actor_role), ("pedagog", "pedagogue"))

    def test_an_object_without_a_school_takes_its_family_s(self):
        event = record(self.pedagog, "view", self.guardian)
        self.assertEqual(event.school_id, self.school.pk)

    def test_outside_a_request_the_channel_is_the_command_line(self):
        event = record(None, "import", object_type="registry.pupil", label="x" * 300)
        self.assertEqual((event.user, event.actor_username, event.actor_role), (None, "", ""))
        self.assertEqual((event.channel, event.ip, event.object_id), ("cli", None, ""))
        self.assertEqual(len(event.object_label), 200)

    def test_a_bulk_operation_is_one_row_naming_how_many(self):
        event = record_many(self.pedagog, "export", "registry.pupil", self.school.pk, 42)
        self.assertEqual((event.object_label, event.school_id, event.count), ("42", self.school.pk,
                                                                               None))  # fmt: skip
        self.assertEqual(AuditEvent.objects.count(), 1)

    def test_a_request_gives_its_address_and_channel(self):
        self.client.force_login(self.pedagog)
        self.client.get(reverse("registry:pupil", args=[self.pupil.pk]), REMOTE_ADDR="10.1.2.3")
        event = AuditEvent.objects.get(action="view", object_type="registry.pupil")
        self.assertEqual((event.ip, event.channel), ("10.1.2.3", "web"))


class ReadScope(PersonaTestCase):
    def test_free_text_is_masked_and_the_path_kept(self):
        request = RequestFactory().get(
            "/registry/pupils/", {"q": "123456789012", "iin": "", "school": "3", "page": ["1", "2"]}
        )
        self.assertEqual(
            request_query(request, extra=1),
            {"path": "/registry/pupils/",
             "params": {"iin": "", "page": ["1", "2"], "q": "***", "school": "3", "extra": 1}},
        )  # fmt: skip

    def test_a_huge_read_keeps_its_count_but_not_every_id(self):
        rows = [{"id": n, "school_id": self.school.pk} for n in range(MAX_IDS + 5)]
        event = record_read(self.pedagog, "registry.pupil", rows)
        self.assertEqual((event.count, len(event.object_ids)), (MAX_IDS + 5, MAX_IDS))
        self.assertEqual((event.school_id, event.object_label), (self.school.pk, "Pupils"))

    def test_an_explicit_count_and_school_win(self):
        event = record_read(
            self.district_officer, User, [], count=7, school_id=self.other_school.pk
        )
        self.assertEqual((event.object_type, event.count), ("accounts.user", 7))
        self.assertEqual(event.school_id, self.other_school.pk)


class ReadOfANamedSchool(PersonaTestCase):
    """An API list read through `audit_read` records the school its query names only when
    the reader is a member there: an unknown, foreign or past-64-bit id records none (the
    last made PostgreSQL refuse the audit row, a 500)."""

    def read(self, school: object) -> AuditEvent:
        @audit_read("registry.pupil")
        def view(request, school_id=None):  # noqa: ANN001, ANN202
            return []

        request = RequestFactory().get("/api/v1/pupils", {"school_id": str(school)})
        request.user = self.pedagog
        view(request, school_id=school)
        return AuditEvent.objects.latest("pk")

    def test_the_readers_own_school_is_recorded(self):
        self.assertEqual(self.read(self.school.pk).school_id, self.school.pk)

    def test_a_school_out_of_reach_or_out_of_range_is_not(self):
        for school in (self.other_school.pk, 2**70, "x"):
            with self.subTest(school=school):
                self.assertIsNone(self.read(school).school_id)


@time_machine.travel(MOMENT, tick=False)
class TrailPage(PersonaTestCase):
    def setUp(self):
        super().setUp()
        record(self.pedagog, "view", self.pupil)
        record(self.pedagog, "update", self.stranger, fields=["surname"])
        record(self.outsider, "view", self.other_pupil)
        record(self.district_officer, "export", object_type="reports.monitoring")

    def labels(self, response) -> list[str]:  # noqa: ANN001
        return [e.object_label for e in response.context["page"]]

    def test_the_principal_and_the_administrator_read_their_school_s_trail(self):
        for user in (self.director, self.admin):
            with self.subTest(user=user.username):
                self.client.force_login(user)
                response = self.client.get(reverse("audit:events"))
                self.assertEqual(response.status_code, 200)
                self.assertEqual(sorted(self.labels(response)),
                                 sorted([str(self.pupil), str(self.stranger)]))  # fmt: skip
                self.assertContains(response, "surname")

    def test_everyone_else_gets_404(self):
        for persona in ("pedagog", "board", "teacher", "canteen", "parent", "district_officer",
                        "outsider", "nobody"):  # fmt: skip
            with self.subTest(persona=persona):
                self.client.force_login(getattr(self, persona))
                self.assertEqual(self.client.get(reverse("audit:events")).status_code, 404)
        self.client.logout()
        self.assertEqual(self.client.get(reverse("audit:events")).status_code, 302)

    def test_filters_by_action_user_and_object(self):
        self.client.force_login(self.director)
        url = reverse("audit:events")
        self.assertEqual(self.labels(self.client.get(url, {"action": "update"})),
                         [str(self.stranger)])  # fmt: skip
        self.assertEqual(len(self.labels(self.client.get(url, {"action": "nonsense"}))), 2)
        self.assertEqual(self.labels(self.client.get(url, {"who": "nobody"})), [])
        self.assertEqual(len(self.labels(self.client.get(url, {"who": "PEDAG"}))), 2)
        self.assertEqual(self.labels(self.client.get(url, {"object": "Иванов"})),
                         [str(self.stranger)])  # fmt: skip

    def test_a_deleted_account_is_still_named(self):
        self.client.force_login(self.director)
        self.pedagog.delete()
        response = self.client.get(reverse("audit:events"))
        self.assertContains(response, "pedagog")
        self.assertContains(response, "account deleted")

    def test_pages_keep_the_filters(self):
        for _n in range(60):
            record(self.pedagog, "view", self.pupil)
        self.client.force_login(self.director)
        response = self.client.get(reverse("audit:events"), {"action": "view", "page": 1})
        self.assertEqual(len(response.context["page"]), 50)
        self.assertContains(response, "?action=view&page=2")


class AdminIsReadOnly(PersonaTestCase):
    def test_the_superuser_may_look_but_not_add_change_or_delete(self):
        root = User.objects.create_superuser("root", password="x-long-password-1")
        self.client.force_login(root)
        event = record(self.pedagog, "view", self.pupil)
        self.assertEqual(self.client.get(reverse("admin:audit_auditevent_changelist")).status_code,
                         200)  # fmt: skip
        self.assertEqual(self.client.get(reverse("admin:audit_auditevent_add")).status_code, 403)
        delete = reverse("admin:audit_auditevent_delete", args=[event.pk])
        self.assertEqual(self.client.post(delete, {"post": "yes"}).status_code, 403)
        change = reverse("admin:audit_auditevent_change", args=[event.pk])
        self.client.post(change, {"action": "delete"})
        event.refresh_from_db()
        self.assertEqual(event.action, "view")
