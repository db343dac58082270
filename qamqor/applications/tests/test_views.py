"""The pages: catalogue, the parent's online application, registration, decisions, dashboard."""

from __future__ import annotations

import datetime as dt
import re

import time_machine
from django.urls import reverse

from qamqor.applications import otp, services
from qamqor.applications.models import Application, Channel, Service
from qamqor.audit.models import AuditEvent
from qamqor.sandbox.models import SandboxSms

from .base import ApplicationsTestCase, K, Status, almaty, fake, paper_documents, pdf, png


def last_code() -> str:
    sms = SandboxSms.objects.filter(purpose="application_otp").order_by("-id").first()
    return re.search(r"\b(\d{6})\b", sms.text).group(1)


class Catalogue(ApplicationsTestCase):
    def test_every_signed_in_user_reads_the_passports(self):
        for persona in ("teacher", "canteen", "nobody", "parent"):
            self.login(getattr(self, persona))
            r = self.client.get(reverse("applications:catalogue"))
            self.assertContains(r, "18:30")
            r = self.client.get(reverse("applications:passport", args=["camp_voucher"]))
            self.assertContains(r, "071/у")
            self.assertContains(r, "5 working days from the day the application is received")
        self.assertEqual(
            self.client.get(reverse("applications:passport", args=["x"])).status_code, 404
        )

    def test_the_passport_quotes_the_rules_in_kazakh_and_russian(self):
        self.login(self.parent)
        url = reverse("applications:passport", args=["financial_aid"])
        r = self.client.get(url, HTTP_ACCEPT_LANGUAGE="kk")
        self.assertContains(r, "қаржылық және материалдық көмек көрсету")
        self.assertContains(r, "АХАЖ ақпараттық жүйесінде мәліметтер болмаған жағдайда")
        r = self.client.get(url, HTTP_ACCEPT_LANGUAGE="ru")
        self.assertContains(r, "Оказание финансовой и материальной помощи")
        self.assertContains(r, "при отсутствии сведений в информационной системе ЗАГС")


class ParentApplies(ApplicationsTestCase):
    url = reverse("applications:apply")

    def post(self, follow: bool = False, **data):
        base = {"pupil": self.pupil.pk, "service": "financial_aid", "category": "asp"}
        return self.client.post(self.url, {**base, **data}, follow=follow)

    def test_the_checklist_follows_the_child_and_the_service(self):
        self.login(self.parent)
        r = self.client.get(self.url, {"pupil": self.pupil.pk, "service": "financial_aid"})
        kinds = [i.kind for i in r.context["items"]]
        self.assertEqual(kinds, [K.CATEGORY_DOCUMENT])  # the portal: no paper identity copy
        r = self.client.get(self.url, {"pupil": self.sibling.pk, "service": "camp_voucher"})
        kinds = [i.kind for i in r.context["items"]]
        self.assertEqual(kinds, [K.BIRTH_CERTIFICATE, K.MEDICAL_071, K.CATEGORY_DOCUMENT])
        self.assertContains(r, "born abroad")

    def test_apply_sign_with_a_one_time_password(self):
        self.login(self.parent)
        r = self.post(doc_category_document=pdf(), code="123456")
        self.assertContains(r, "Ask for a one-time password first", status_code=422)
        r = self.client.post(
            reverse("applications:send_code"), {"pupil": self.pupil.pk}, HTTP_HX_REQUEST="true"
        )
        self.assertContains(r, self.guardian.phone[-4:])
        sms = SandboxSms.objects.get(purpose="application_otp")
        self.assertEqual(sms.phone, self.guardian.phone)
        code = last_code()
        self.assertNotIn(code, str(self.client.session.get(otp.SESSION_KEY)))
        wrong = "000000" if code != "000000" else "111111"
        r = self.post(doc_category_document=pdf(), code=wrong)
        self.assertContains(r, "The one-time password is wrong", status_code=422)
        # Missing documents are named; the code survives a refused submission.
        r = self.post(code=code)
        self.assertContains(r, "Documents missing", status_code=422)
        self.assertContains(r, "document confirming the category", status_code=422)
        self.assertFalse(Application.objects.exists())
        r = self.post(doc_category_document=pdf("аәк.pdf"), code=code)
        a = Application.objects.get()
        self.assertRedirects(r, reverse("applications:detail", args=[a.pk]))
        self.assertEqual((a.channel, a.signed_with, a.applicant, a.created_by),
                         (Channel.PORTAL, "otp", self.guardian, self.parent))  # fmt: skip
        self.assertEqual(a.documents.get().original_name, "аәк.pdf")
        # Used once.
        r = self.post(service="free_meals", doc_category_document=pdf(), code=code)
        self.assertContains(r, "Ask for a one-time password first", status_code=422)

    def test_after_hours_the_parent_is_told_it_counts_from_the_next_working_day(self):
        with time_machine.travel(almaty(2026, 4, 3, 21, 15), tick=False):  # Friday evening
            self.login(self.parent)  # a session lasts 8 hours
            self.client.post(reverse("applications:send_code"), {"pupil": self.pupil.pk})
            r = self.post(doc_category_document=pdf(), code=last_code(), follow=True)
        a = Application.objects.get()
        self.assertEqual(a.counted_from, dt.date(2026, 4, 6))
        self.assertContains(r, "counts from the next working day")

    def test_codes_expire_and_are_limited(self):
        self.login(self.parent)
        self.client.post(reverse("applications:send_code"), {"pupil": self.pupil.pk})
        r = self.client.post(
            reverse("applications:send_code"), {"pupil": self.pupil.pk}, HTTP_HX_REQUEST="true"
        )
        self.assertContains(r, "wait half a minute")
        code = last_code()
        with time_machine.travel(almaty(2026, 4, 1, 10, 6), tick=False):
            r = self.post(doc_category_document=pdf(), code=code)
        self.assertContains(r, "has expired", status_code=422)
        with time_machine.travel(almaty(2026, 4, 1, 10, 7), tick=False):
            self.client.post(reverse("applications:send_code"), {"pupil": self.pupil.pk})
            for _ in range(otp.MAX_ATTEMPTS):
                self.post(
                    doc_category_document=pdf(),
                    code="999999" if last_code() != "999999" else "888888",
                )
            r = self.post(doc_category_document=pdf(), code=last_code())
        self.assertContains(r, "has expired", status_code=422)

    def test_a_parent_applies_only_for_their_own_children(self):
        self.login(self.parent)
        self.client.post(reverse("applications:send_code"), {"pupil": self.pupil.pk})
        r = self.post(pupil=self.stranger.pk, doc_category_document=pdf(), code=last_code())
        self.assertEqual(r.status_code, 422)
        self.assertFalse(Application.objects.exists())
        for persona in ("pedagog", "teacher", "outsider"):
            self.login(getattr(self, persona))
            self.assertEqual(self.client.get(self.url).status_code, 404)

    def test_a_bad_file_is_refused_with_a_reason(self):
        self.login(self.parent)
        self.client.post(reverse("applications:send_code"), {"pupil": self.pupil.pk})
        r = self.post(doc_category_document=fake(), code=last_code())
        self.assertContains(r, "Only PDF, JPEG and PNG", status_code=422)
        self.assertFalse(Application.objects.exists())

    def test_my_applications_show_what_the_school_asks_for(self):
        a = self.submit(
            documents=[(K.APPLICATION_FORM, pdf()), (K.IDENTITY, pdf())], allow_incomplete=True
        )
        services.start_review(self.pedagog, a)
        services.request_documents(self.pedagog, a, [K.CATEGORY_DOCUMENT], "АӘК анықтамасы")
        self.login(self.parent)
        r = self.client.get(reverse("applications:mine"))
        self.assertContains(r, f'data-testid="waiting-{a.pk}"')
        r = self.client.get(reverse("applications:detail", args=[a.pk]))
        self.assertContains(r, "АӘК анықтамасы")
        self.assertContains(r, 'data-testid="upload-form"')
        self.assertNotContains(r, 'data-testid="approve"')
        r = self.client.post(
            reverse("applications:upload", args=[a.pk]),
            {"kind": K.CATEGORY_DOCUMENT, "file": png()},
        )
        self.assertRedirects(r, reverse("applications:detail", args=[a.pk]))
        a.refresh_from_db()
        self.assertEqual(a.status, Status.UNDER_REVIEW)


class School(ApplicationsTestCase):
    def test_registering_a_paper_application(self):
        self.login(self.pedagog)
        url = reverse("applications:register", args=[self.sibling.pk])
        r = self.client.get(url, {"service": "camp_voucher", "channel": "con"})
        self.assertEqual([i.kind for i in r.context["items"]],
                         [K.APPLICATION_FORM, K.IDENTITY, K.BIRTH_CERTIFICATE, K.MEDICAL_071, K.CATEGORY_DOCUMENT])  # fmt: skip
        data = {"service": "free_meals", "channel": "school", "received_at": "2026-03-27T18:45",
                "applicant": self.guardian.pk, "category": "asp"}  # fmt: skip
        r = self.client.post(url, {**data, "doc_application_form": pdf(), "doc_identity": pdf()})
        self.assertContains(r, "Documents missing", status_code=422)
        r = self.client.post(url, {**data, "doc_application_form": pdf(), "doc_identity": pdf(),
                                   "allow_incomplete": "on"})  # fmt: skip
        a = Application.objects.get()
        self.assertRedirects(r, reverse("applications:detail", args=[a.pk]))
        self.assertEqual(a.counted_from, dt.date(2026, 3, 30))  # Friday 18:45 → Monday
        self.assertEqual(a.applicant, self.guardian)
        # The teacher and the pedagogue of another school cannot register one.
        for persona in ("teacher", "outsider", "director"):
            self.login(getattr(self, persona))
            self.assertEqual(self.client.get(url).status_code, 404)

    def test_register_by_iin(self):
        self.login(self.pedagog)
        r = self.client.get(reverse("applications:register_find"), {"iin": self.pupil.iin})
        self.assertRedirects(r, reverse("applications:register", args=[self.pupil.pk]))
        r = self.client.get(reverse("applications:register_find"), {"iin": self.other_pupil.iin})
        self.assertRedirects(r, reverse("applications:dashboard"))

    def test_the_decision_buttons_follow_the_status(self):
        a = self.submit()
        self.login(self.pedagog)
        url = reverse("applications:detail", args=[a.pk])
        self.assertContains(self.client.get(url), 'data-testid="start-review"')
        self.client.post(reverse("applications:start_review", args=[a.pk]))
        r = self.client.get(url)
        self.assertContains(r, 'data-testid="request-form"')
        self.assertContains(r, 'data-testid="approve"')
        r = self.client.post(reverse("applications:refuse", args=[a.pk]), {"reason": " "})
        self.assertEqual(r.status_code, 422)
        a.refresh_from_db()
        self.assertEqual(a.status, Status.UNDER_REVIEW)
        r = self.client.post(reverse("applications:approve", args=[a.pk]), {"comment": ""})
        self.assertRedirects(r, url)
        a.refresh_from_db()
        self.assertEqual(a.status, Status.APPROVED)
        r = self.client.get(url)
        self.assertNotContains(r, 'data-testid="approve"')
        self.assertTrue(
            AuditEvent.objects.filter(
                action="view", object_type="applications.application"
            ).exists()
        )

    def test_approving_with_a_missing_document_names_it(self):
        a = self.submit(documents=[(K.APPLICATION_FORM, pdf())], allow_incomplete=True)
        services.start_review(self.pedagog, a)
        self.login(self.pedagog)
        r = self.client.post(reverse("applications:approve", args=[a.pk]), {})
        self.assertContains(r, "identity document", status_code=422)

    def test_the_appeal_goes_to_the_principal(self):
        a = self.advance(self.submit(), Status.UNDER_REVIEW, Status.REFUSED)
        self.login(self.parent)
        r = self.client.post(
            reverse("applications:appeal", args=[a.pk]), {"text": "Анықтама жаңа."}
        )
        self.assertRedirects(r, reverse("applications:detail", args=[a.pk]))
        self.login(self.pedagog)
        self.assertNotContains(
            self.client.get(reverse("applications:detail", args=[a.pk])), "Decide the appeal"
        )
        self.login(self.director)
        self.assertContains(
            self.client.get(reverse("applications:detail", args=[a.pk])), "Decide the appeal"
        )
        r = self.client.post(
            reverse("applications:decide_appeal", args=[a.pk]),
            {"upheld": "1", "decision": "Дұрыс."},
        )
        a.refresh_from_db()
        self.assertEqual(a.status, Status.UNDER_REVIEW)

    def test_documents_are_streamed_to_whoever_reads_the_application(self):
        a = self.submit()
        doc = a.documents.first()
        url = reverse("applications:document", args=[doc.pk])
        for persona, code in (
            ("parent", 200),
            ("director", 200),
            ("teacher", 404),
            ("outsider", 404),
        ):
            self.login(getattr(self, persona))
            r = self.client.get(url)
            self.assertEqual(r.status_code, code, persona)
            if code == 200:
                self.assertEqual(r["Content-Security-Policy"], "default-src 'none'; sandbox")
                self.assertIn("attachment", r["Content-Disposition"])

    def test_the_dashboard_lists_what_is_due_today_this_week_and_overdue(self):
        # Today is Wednesday 1 April 2026.
        due = {
            "overdue": self.submit(received_at=almaty(2026, 3, 2, 10)),
            "today": self.submit(self.pupil, Service.FREE_MEALS, received_at=almaty(2026, 3, 20, 10)),
            "week": self.submit(self.sibling, Service.FREE_MEALS, received_at=almaty(2026, 3, 27, 10),
                                documents=paper_documents(Service.FREE_MEALS, K.BIRTH_CERTIFICATE)),
            "later": self.submit(self.sibling, received_at=almaty(2026, 3, 31, 10),
                                 documents=paper_documents(Service.FINANCIAL_AID, K.BIRTH_CERTIFICATE)),
        }  # fmt: skip
        decided = self.submit(self.pupil, Service.CAMP_VOUCHER, received_at=almaty(2026, 3, 2, 10),
                              documents=paper_documents(Service.CAMP_VOUCHER))  # fmt: skip
        self.advance(decided, Status.UNDER_REVIEW, Status.APPROVED)
        self.assertEqual(due["today"].due_date, dt.date(2026, 4, 1))
        self.login(self.pedagog)
        r = self.client.get(reverse("applications:dashboard"))
        buckets = r.context["buckets"]
        self.assertEqual([a.pk for a in buckets["overdue"]], [due["overdue"].pk])
        self.assertEqual([a.pk for a in buckets["today"]], [due["today"].pk])
        self.assertEqual([a.pk for a in buckets["week"]], [due["week"].pk])
        self.assertContains(r, "overdue by")
        r = self.client.get(
            reverse("applications:dashboard"), {"status": "open", "q": self.sibling.iin}
        )
        self.assertEqual(
            {a.pk for a in r.context["page"].object_list}, {due["week"].pk, due["later"].pk}
        )
        for persona in ("teacher", "canteen", "parent", "nobody"):
            self.login(getattr(self, persona))
            self.assertEqual(self.client.get(reverse("applications:dashboard")).status_code, 404)


class Camps(ApplicationsTestCase):
    def test_camp_pages(self):
        self.login(self.pedagog)
        r = self.client.post(
            reverse("applications:camp_new"), {"name": "Балдаурен", "kind": "out_of_town"}
        )
        self.assertRedirects(r, reverse("applications:camps"))
        camp = self.pupil.school.camps.get()
        r = self.client.post(reverse("applications:session_new", args=[camp.pk]),
                             {"name": "1", "starts_on": "2026-06-10", "ends_on": "2026-06-01", "places": 2})  # fmt: skip
        self.assertContains(r, "ends before it begins", status_code=422)
        self.client.post(reverse("applications:session_new", args=[camp.pk]),
                         {"name": "1", "starts_on": "2026-06-01", "ends_on": "2026-06-10", "places": 1})  # fmt: skip
        session = camp.sessions.get()
        for pupil, extra in ((self.pupil, ()), (self.sibling, (K.BIRTH_CERTIFICATE,))):
            a = self.submit(
                pupil, Service.CAMP_VOUCHER, documents=paper_documents(Service.CAMP_VOUCHER, *extra)
            )
            self.advance(a, Status.UNDER_REVIEW, Status.APPROVED)
        r = self.client.get(reverse("applications:session", args=[session.pk]))
        self.assertEqual(len(r.context["pending"]), 2)
        self.client.post(reverse("applications:allocate", args=[session.pk]))
        r = self.client.get(reverse("applications:session", args=[session.pk]))
        self.assertContains(r, "in order of receipt")
        self.assertEqual((len(r.context["placed"]), len(r.context["waiting"])), (1, 1))
        self.login(self.parent)
        a = (
            Application.objects.filter(service=Service.CAMP_VOUCHER)
            .order_by("received_at", "id")
            .first()
        )
        self.assertContains(
            self.client.get(reverse("applications:detail", args=[a.pk])), f"№ {session.pk}-001"
        )
