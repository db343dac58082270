"""Entries: the third-party terminal API, one entry per pupil and day, marks by hand."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import time_machine
from django.urls import reverse

from qamqor.accounts.models import Membership, Role
from qamqor.accounts.tokens import issue_token
from qamqor.canteen.models import Entry
from qamqor.canteen.services import entries
from qamqor.meals.models import PupilRef
from qamqor.testing import PersonaTestCase

URL = "/api/v1/canteen/entries"
NOON = "2026-11-23 12:05 +05:00"


class EntryApiTests(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        Membership.objects.filter(user=cls.canteen).update(organisation_bin="100140001234")
        cls.token = issue_token(cls.canteen, label="door")
        cls.ref = PupilRef.objects.create(pupil=cls.pupil).ref
        cls.other_ref = PupilRef.objects.create(pupil=cls.other_pupil).ref

    def post(self, body: dict, token: str | None = None):
        return self.client.post(
            URL,
            json.dumps(body),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token or self.token}",
        )

    def test_an_entry_is_recorded_once_a_day(self):
        with time_machine.travel(NOON, tick=False):
            body = {"pupil_ref": str(self.ref), "terminal": "gate-2", "at": "2026-11-23T12:04:30"}
            first = self.post(body)
            self.assertEqual(first.status_code, 201, first.content)
            self.assertEqual(
                first.json(),
                {"status": "entered", "pupil": "Аружан А.", "class": "3А",
                 "at": "2026-11-23T12:04:30+05:00"},
            )  # fmt: skip
            again = self.post({**body, "at": "2026-11-23T12:05:00+05:00", "terminal": "gate-1"})
        self.assertEqual(again.status_code, 200)
        self.assertEqual(again.json()["status"], "already")
        self.assertEqual(again.json()["at"], "2026-11-23T12:04:30+05:00")
        entry = Entry.objects.get()
        self.assertEqual(
            (entry.pupil, entry.source, entry.terminal, entry.day),
            (self.pupil, "api", "gate-2", dt.date(2026, 11, 23)),
        )
        self.assertNotIn("iin", first.content.decode().lower())

    def test_refusals(self):
        with time_machine.travel(NOON, tick=False):
            cases = {
                "unknown_pupil": {"pupil_ref": str(uuid.uuid4()), "at": "2026-11-23T12:00:00"},
                # Another school's pupil looks exactly like an unknown one.
                "unknown_pupil ": {"pupil_ref": str(self.other_ref), "at": "2026-11-23T12:00"},
                "at_future": {"pupil_ref": str(self.ref), "at": "2026-11-23T12:30:00"},
                "at_too_old": {"pupil_ref": str(self.ref), "at": "2026-11-10T12:00:00"},
                "invalid": {"pupil_ref": "an-iin-860101300123", "at": "2026-11-23T12:00"},
            }
            for code, body in cases.items():
                response = self.post(body)
                self.assertEqual(response.status_code, 422, code)
                self.assertEqual(response.json()["code"], code.strip(), response.content)
                self.assertTrue(response.json()["message"])
        self.assertFalse(Entry.objects.exists())

    def test_an_offline_event_within_the_week_counts_on_its_own_day(self):
        with time_machine.travel(NOON, tick=False):
            response = self.post({"pupil_ref": str(self.ref), "at": "2026-11-20T12:10:00+05:00"})
        self.assertEqual(response.status_code, 201)
        self.assertEqual(Entry.objects.get().day, dt.date(2026, 11, 20))

    def test_only_canteen_terminals(self):
        body = {"pupil_ref": str(self.ref), "at": "2026-11-23T12:00:00"}
        self.assertEqual(self.post(body, token="not-a-token").status_code, 401)
        pedagogue_token = issue_token(self.pedagog, label="x")
        self.assertEqual(self.post(body, token=pedagogue_token).status_code, 404)
        self.client.force_login(self.canteen)  # a session is not a terminal
        response = self.client.post(URL, json.dumps(body), content_type="application/json")
        self.assertEqual(response.status_code, 401)
        self.assertFalse(Entry.objects.exists())


class RecordEntryTests(PersonaTestCase):
    def test_the_first_entry_counts_and_a_race_loses_quietly(self):
        at = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)
        first = entries.record_entry(self.pupil, at, source="face", terminal="door-1")
        self.assertTrue(first.created)
        # The other door terminal, having read "no entry yet" a moment before.
        original = Entry.objects.filter
        try:
            Entry.objects.filter = lambda *a, **k: Entry.objects.none()  # type: ignore[method-assign]
            second = entries.record_entry(self.pupil, at, source="face", terminal="door-2")
        finally:
            Entry.objects.filter = original  # type: ignore[method-assign]
        self.assertFalse(second.created)
        self.assertEqual(second.entry.pk, first.entry.pk)
        self.assertEqual(Entry.objects.count(), 1)

    def test_a_pupil_who_left_cannot_enter(self):
        self.pupil.status = "left"
        self.pupil.save(update_fields=["status"])
        with self.assertRaises(entries.EntryError):
            entries.record_entry(self.pupil, dt.datetime.now(dt.UTC), source="manual")


class MarkByHandTests(PersonaTestCase):
    def test_the_class_teacher_marks_a_pupil_entered(self):
        self.login(self.teacher)
        url = reverse("canteen:class_mark", args=[self.klass.pk])
        response = self.client.post(url, {"pupil": self.pupil.pk}, follow=True)
        self.assertContains(response, "Аружан А. is marked as entered.")
        entry = Entry.objects.get()
        self.assertEqual((entry.source, entry.recorded_by), ("manual", self.teacher))
        again = self.client.post(url, {"pupil": self.pupil.pk}, follow=True)
        self.assertContains(again, "had already entered")
        self.assertEqual(Entry.objects.count(), 1)

    def test_a_pupil_of_another_class_or_school_cannot_be_marked(self):
        self.login(self.teacher)
        url = reverse("canteen:class_mark", args=[self.klass.pk])
        for pupil in (self.stranger, self.other_pupil):
            self.assertEqual(self.client.post(url, {"pupil": pupil.pk}).status_code, 404)
        self.login(self.canteen)
        self.assertEqual(self.client.post(url, {"pupil": self.pupil.pk}).status_code, 404)
        self.assertFalse(Entry.objects.exists())
        self.assertTrue(Membership.objects.filter(user=self.teacher, role=Role.TEACHER).exists())
