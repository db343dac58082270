"""The trail keeps who acted, as text, after the account is gone; such accounts are
deactivated in the admin, not deleted."""

import importlib

from django.apps import apps
from django.urls import reverse

from qamqor.accounts.models import ApiToken, User
from qamqor.accounts.tokens import issue_token
from qamqor.audit.models import AuditEvent
from qamqor.audit.services import record
from qamqor.testing import PersonaTestCase, make_user

backfill = importlib.import_module("qamqor.audit.migrations.0004_backfill_actor").backfill


class ActorAsText(PersonaTestCase):
    def test_the_username_and_role_outlive_the_account(self):
        leaver = make_user("leaver", "pedagogue", self.school)
        record(leaver, "view", self.pupil)
        leaver.delete()
        event = AuditEvent.objects.get()
        self.assertIsNone(event.user_id)
        self.assertEqual((event.actor_username, event.actor_role), ("leaver", "pedagogue"))

    def test_the_role_is_the_one_held_in_the_events_school(self):
        record(self.district_officer, "view", self.other_pupil)
        record(self.nobody, "view", object_type="registry.pupil")
        roles = dict(AuditEvent.objects.values_list("actor_username", "actor_role"))
        self.assertEqual(roles, {"district": "district", "nobody": ""})

    def test_the_data_migration_fills_earlier_events(self):
        AuditEvent.objects.create(at="2026-10-01T10:00Z", user=self.director, action="view",
                                  object_type="registry.pupil", school_id=self.school.pk)  # fmt: skip
        AuditEvent.objects.create(at="2026-10-01T10:00Z", user=self.district_officer,
                                  action="view", object_type="registry.pupil")  # fmt: skip
        backfill(apps, None)
        got = set(AuditEvent.objects.values_list("actor_username", "actor_role", "school_id"))
        self.assertEqual(
            got, {("director", "principal", self.school.pk), ("district", "district", None)}
        )


class AdminDeactivatesInsteadOfDeleting(PersonaTestCase):
    def setUp(self):
        super().setUp()
        self.root = User.objects.create_superuser("root", password="x-long-password-1")
        self.client.force_login(self.root)
        record(self.pedagog, "view", self.pupil)

    def test_deleting_a_user_with_history_is_refused_with_a_message(self):
        url = reverse("admin:accounts_user_delete", args=[self.pedagog.pk])
        response = self.client.post(url, {"post": "yes"}, follow=True)
        self.assertTrue(User.objects.filter(pk=self.pedagog.pk).exists())
        self.assertContains(response, "deactivate instead of deleting")

    def test_a_user_without_history_can_still_be_deleted(self):
        url = reverse("admin:accounts_user_delete", args=[self.nobody.pk])
        self.client.post(url, {"post": "yes"})
        self.assertFalse(User.objects.filter(pk=self.nobody.pk).exists())

    def test_the_bulk_delete_refuses_users_with_history(self):
        response = self.client.post(
            reverse("admin:accounts_user_changelist"),
            {"action": "delete_users", "_selected_action": [self.pedagog.pk, self.nobody.pk]},
            follow=True,
        )
        self.assertContains(response, "edagog acted on personal data")
        self.assertEqual(User.objects.filter(pk__in=[self.pedagog.pk, self.nobody.pk]).count(), 2)

    def test_deactivate_ends_sign_in_and_tokens(self):
        raw = issue_token(self.pedagog)
        self.client.post(
            reverse("admin:accounts_user_changelist"),
            {"action": "deactivate_users", "_selected_action": [self.pedagog.pk]},
        )
        self.pedagog.refresh_from_db()
        self.assertFalse(self.pedagog.is_active)
        self.assertTrue(ApiToken.objects.get().revoked)
        self.client.logout()
        response = self.client.get("/api/v1/schools", HTTP_AUTHORIZATION=f"Bearer {raw}")
        self.assertEqual(response.status_code, 401)
