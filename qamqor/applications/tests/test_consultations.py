"""The consultation log: recording, search, the monthly summary and its XLSX."""

from __future__ import annotations

import datetime as dt
import io

from django.urls import reverse
from openpyxl import load_workbook

from qamqor.applications import services
from qamqor.applications.models import Consultation
from qamqor.audit.models import AuditEvent

from .base import ApplicationsTestCase, almaty


class Log(ApplicationsTestCase):
    def log(self, **kw):
        kw.setdefault("topic", "documents")
        kw.setdefault("outcome", "informed")
        return services.log_consultation(self.pedagog, kw.pop("family", self.family), **kw)

    def test_recording_and_refusals(self):
        c = self.log(held_at=almaty(2026, 3, 31, 15), service="financial_aid", channel="portal",
                     notes="eGov арқылы өтініш беруді түсіндірдім")  # fmt: skip
        self.assertEqual((c.school, c.by), (self.school, self.pedagog))
        for kw, code in (
            ({"topic": "gossip"}, "topic_invalid"),
            ({"outcome": "follow_up"}, "follow_up_date_required"),
            ({"held_at": almaty(2026, 4, 2, 10)}, "held_in_future"),
            (
                {"held_at": almaty(2026, 3, 31, 10), "follow_up_on": dt.date(2026, 3, 30)},
                "follow_up_before",
            ),
        ):
            with self.assertRaises(services.ApplicationError) as e:
                self.log(**kw)
            self.assertEqual(e.exception.code, code)
        self.assertEqual(Consultation.objects.count(), 1)

    def test_follow_up_due_and_closed(self):
        c = self.log(
            outcome="follow_up", held_at=almaty(2026, 3, 20, 10), follow_up_on=dt.date(2026, 3, 27)
        )
        self.assertTrue(c.follow_up_due(dt.date(2026, 4, 1)))
        services.close_follow_up(self.pedagog, c)
        c.refresh_from_db()
        self.assertFalse(c.follow_up_due(dt.date(2026, 4, 1)))

    def test_pages_search_summary_and_xlsx(self):
        self.log(held_at=almaty(2026, 3, 5, 10), service="financial_aid", channel="portal")
        self.log(
            held_at=almaty(2026, 3, 6, 10),
            service="financial_aid",
            channel="school",
            topic="portal",
        )
        self.log(
            held_at=almaty(2026, 3, 7, 10),
            service="camp_voucher",
            channel="con",
            notes="Лагерь туралы",
        )
        self.log(held_at=almaty(2026, 2, 7, 10), service="free_meals")
        self.login(self.pedagog)
        r = self.client.get(reverse("applications:consultations"), {"q": "лагерь"})
        self.assertEqual(len(r.context["page"].object_list), 1)
        r = self.client.get(reverse("applications:consultations"), {"q": self.pupil.iin})
        self.assertEqual(len(r.context["page"].object_list), 4)
        r = self.client.get(reverse("applications:consultation_summary"), {"month": "2026-03"})
        totals = r.context["totals"]
        self.assertEqual(totals["total"], 3)
        self.assertIn(
            ("financial and material assistance (universal education fund)", 2), totals["service"]
        )
        self.assertIn(("eGov portal", 1), totals["channel"])
        self.assertIn(("applying through the eGov portal", 1), totals["topic"])
        r = self.client.get(reverse("applications:consultation_xlsx"), {"month": "2026-03"})
        self.assertEqual(r.status_code, 200)
        wb = load_workbook(io.BytesIO(r.content))
        summary, log = wb.worksheets
        self.assertEqual(summary["B4"].value, 3)
        self.assertEqual(log.max_row, 4)  # header and three rows
        self.assertTrue(
            AuditEvent.objects.filter(
                action="export", object_type="applications.consultation"
            ).exists()
        )

    def test_recording_through_the_page_finds_the_family_by_iin(self):
        self.login(self.pedagog)
        url = reverse("applications:consultation_new")
        data = {"who": self.guardian.iin, "held_at": "2026-04-01T09:30", "topic": "category",
                "outcome": "referred_con", "service": "free_meals", "channel": "con"}  # fmt: skip
        r = self.client.post(url, data)
        self.assertRedirects(r, reverse("applications:consultations"))
        self.assertEqual(Consultation.objects.get().family, self.family)
        # A family of another school is not found, and nothing is recorded.
        r = self.client.post(url, {**data, "who": self.other_pupil.iin})
        self.assertEqual(r.status_code, 422)
        self.assertContains(r, "No family of your school", status_code=422)
        self.assertEqual(Consultation.objects.count(), 1)

    def test_teachers_canteen_and_parents_do_not_read_the_log(self):
        self.log()
        for persona in ("teacher", "canteen", "parent", "nobody"):
            self.login(getattr(self, persona))
            self.assertEqual(
                self.client.get(reverse("applications:consultations")).status_code, 404
            )
