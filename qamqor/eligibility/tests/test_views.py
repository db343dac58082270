"""The pages over the role matrix, downloads, and the tags the registry's cards call."""

from __future__ import annotations

import datetime as dt

from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation

from qamqor.audit.models import AuditEvent
from qamqor.eligibility.models import (
    BoardDecision,
    Category,
    CategoryAssignment,
    Evidence,
    EvidenceKind,
)

from .factories import EligibilityTestCase, almaty, fake, pdf

S = CategoryAssignment.Status
READERS = ("pedagog", "admin", "director", "board", "district_officer")
WRITERS = ("pedagog", "admin")
NEVER = ("teacher", "canteen", "outsider", "nobody")
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


class ViewTestCase(EligibilityTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.a = self.apply(Category.ASP, received_at=almaty(2026, 3, 2, 10))  # overdue by 3
        self.evidence = self.a.evidence.get()

    def as_(self, persona: str):
        self.client.logout()
        self.login(getattr(self, persona))
        return self.client


class DashboardTests(ViewTestCase):
    url = reverse("eligibility:dashboard")

    def test_role_matrix(self):
        for persona in READERS:
            with self.subTest(persona):
                self.assertEqual(self.as_(persona).get(self.url).status_code, 200)
        for persona in ("teacher", "canteen", "parent", "nobody"):
            with self.subTest(persona):
                self.assertEqual(self.as_(persona).get(self.url).status_code, 404)

    def test_anonymous_is_sent_to_sign_in(self):
        response = self.client.get(self.url)
        self.assertEqual(response.status_code, 302)
        self.assertIn(reverse("accounts:login"), response["Location"])

    def test_outsider_sees_only_their_own_school(self):
        response = self.as_("outsider").get(self.url)
        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, reverse("eligibility:assignment", args=[self.a.pk]))

    def test_applied_sorted_by_due_date_with_working_day_states(self):
        today = self.apply(Category.ORPHAN, self.sibling, received_at=almaty(2026, 3, 5, 10))
        later = self.apply(Category.ORPHAN, self.stranger, received_at=almaty(2026, 3, 10, 10))
        done = self.apply(Category.ORPHAN, received_at=almaty(2026, 3, 31, 10))
        from qamqor.eligibility import services

        services.refuse_category(self.pedagog, done, "Құжат жоқ")
        response = self.as_("pedagog").get(self.url, **EN)
        html = response.content.decode()
        rows = [
            html.index(reverse("eligibility:assignment", args=[x.pk]))
            for x in (self.a, today, later)
        ]
        self.assertEqual(rows, sorted(rows))
        self.assertContains(response, "overdue by 3 working days")
        self.assertContains(response, "due today")
        self.assertContains(response, "due in 2 working days")
        self.assertContains(response, reverse("registry:pupil", args=[self.pupil.pk]))
        self.assertEqual(response.context["overdue_total"], 1)
        self.assertEqual(response.context["applied_total"], 3)
        self.assertEqual([a.pk for a in response.context["recent"]], [done.pk])
        counts = {row["category"]: row for row in response.context["counts"]}
        self.assertEqual((counts["asp"]["applied"], counts["asp"]["overdue"]), (1, 1))
        self.assertEqual((counts["orphans"]["applied"], counts["orphans"]["refused"]), (2, 1))

    def test_filters(self):
        self.apply(Category.ORPHAN, self.sibling, received_at=almaty(2026, 3, 10, 10))
        client = self.as_("director")
        page = client.get(self.url, {"category": "orphans"}).context["page"]
        self.assertEqual([a.category for a in page.object_list], ["orphans"])
        page = client.get(self.url, {"overdue": "on"}).context["page"]
        self.assertEqual([a.pk for a in page.object_list], [self.a.pk])

    def test_district_officer_filters_by_school(self):
        client = self.as_("district_officer")
        response = client.get(self.url)
        self.assertTrue(response.context["many_schools"])
        self.assertEqual(len(response.context["page"].object_list), 1)
        response = client.get(self.url, {"school": self.other_school.pk})
        self.assertEqual(len(response.context["page"].object_list), 0)


class AssignmentPageTests(ViewTestCase):
    def url(self, a=None):
        return reverse("eligibility:assignment", args=[(a or self.a).pk])

    def test_role_matrix(self):
        for persona in (*READERS, "parent"):
            with self.subTest(persona):
                self.assertEqual(self.as_(persona).get(self.url()).status_code, 200)
        for persona in NEVER:
            with self.subTest(persona):
                self.assertEqual(self.as_(persona).get(self.url()).status_code, 404)
        theirs = self.apply(Category.ORPHAN, self.stranger)
        self.assertEqual(self.as_("parent").get(self.url(theirs)).status_code, 404)

    def test_forms_for_writers_only(self):
        response = self.as_("pedagog").get(self.url())
        self.assertContains(response, reverse("eligibility:confirm", args=[self.a.pk]))
        self.assertContains(response, reverse("eligibility:refuse", args=[self.a.pk]))
        self.assertContains(response, 'class="badge overdue"')
        for persona in ("director", "parent"):
            response = self.as_(persona).get(self.url())
            self.assertNotContains(response, reverse("eligibility:confirm", args=[self.a.pk]))

    def test_view_is_audited(self):
        self.as_("director").get(self.url())
        event = AuditEvent.objects.get(action="view", object_type="eligibility.categoryassignment")
        self.assertEqual(event.user, self.director)

    def test_income_test_shown_for_category_two(self):
        b = self.apply(Category.BELOW_SUBSISTENCE, self.sibling)
        response = self.as_("pedagog").get(self.url(b))
        self.assertContains(response, 'data-income-below="yes"')


class AssignTests(ViewTestCase):
    def url(self, pupil=None):
        return reverse("eligibility:assign", args=[(pupil or self.sibling).pk])

    def post(self, persona="pedagog", pupil=None, **data):
        payload = {
            "category": "orphans",
            "received_at": "2026-03-30T11:00",
            "granted_by": "Қамқоршылық органы",
            "evidence-TOTAL_FORMS": "3",
            "evidence-INITIAL_FORMS": "0",
            "evidence-0-kind": "guardianship",
            "evidence-0-file": pdf(),
            "evidence-1-kind": "",
            "evidence-2-kind": "",
        }
        payload.update(data)
        return self.as_(persona).post(self.url(pupil), payload, **EN)

    def test_get_for_writers_only(self):
        for persona in WRITERS:
            with self.subTest(persona):
                response = self.as_(persona).get(self.url())
                self.assertEqual(response.status_code, 200)
                self.assertContains(response, 'data-testid="income-test"')
        for persona in ("director", "board", "district_officer", "parent", *NEVER):
            with self.subTest(persona):
                self.assertEqual(self.as_(persona).get(self.url()).status_code, 404)

    def test_htmx_category_change_shows_board_fields(self):
        client = self.as_("pedagog")
        headers = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "category-extra"}
        response = client.get(self.url(), {"category": "emergency"}, **headers)
        self.assertContains(response, 'data-testid="board-fields"')
        self.assertNotContains(response, "<html")
        response = client.get(self.url(), {"category": "asp"}, **headers)
        self.assertNotContains(response, 'data-testid="board-fields"')
        response = client.get(self.url(), {"category": "below_subsistence"}, **headers)
        self.assertContains(response, 'data-testid="assign-income-test"')

    def test_post_registers_with_evidence(self):
        response = self.post()
        a = CategoryAssignment.objects.get(pupil=self.sibling)
        self.assertRedirects(response, reverse("eligibility:assignment", args=[a.pk]))
        self.assertEqual(
            (a.category, a.status, a.due_date), ("orphans", S.APPLIED, dt.date(2026, 4, 20))
        )
        self.assertEqual(a.evidence.get().kind, EvidenceKind.GUARDIANSHIP)

    def test_post_emergency_with_a_new_board_decision(self):
        response = self.post(
            category="emergency",
            **{
                "evidence-0-kind": "inspection",
                "board_number": "4",
                "board_date": "2026-03-27",
                "board_text": "Өрттен кейін көмек",
                "board_scan": pdf("decision.pdf"),
            },
        )
        a = CategoryAssignment.objects.get(pupil=self.sibling)
        self.assertRedirects(response, reverse("eligibility:assignment", args=[a.pk]))
        self.assertEqual(a.board_decision.number, "4")
        self.assertTrue(a.board_decision.scan)

    def test_board_fields_ignored_for_other_categories(self):
        self.post(board_number="4", board_date="2026-03-27", board_text="x")
        self.assertFalse(BoardDecision.objects.exists())

    def test_errors_are_explained_and_nothing_is_saved(self):
        response = self.post(**{"evidence-0-file": fake()})
        self.assertEqual(response.status_code, 422)
        self.assertContains(response, "Only PDF, JPEG and PNG", status_code=422)
        response = self.post(received_at="2026-04-05T10:00")
        self.assertContains(response, "cannot be received in the future", status_code=422)
        response = self.post(category="")
        self.assertEqual(response.status_code, 422)
        self.assertFalse(CategoryAssignment.objects.filter(pupil=self.sibling).exists())

    def test_service_refusal_shown_on_the_form(self):
        self.post()
        response = self.post()
        self.assertContains(response, "already waiting for a decision", status_code=422)

    def test_readers_cannot_post(self):
        for persona in ("director", "parent", "teacher", "outsider"):
            with self.subTest(persona):
                self.assertEqual(self.post(persona).status_code, 404)
        self.assertFalse(CategoryAssignment.objects.filter(pupil=self.sibling).exists())


class DecideTests(ViewTestCase):
    def test_confirm(self):
        url = reverse("eligibility:confirm", args=[self.a.pk])
        data = {"valid_from": "2026-04-01", "valid_to": "2026-05-31", "granted_by": "Анықтама"}
        self.assertEqual(self.as_("director").post(url, data).status_code, 404)
        self.assertEqual(self.as_("parent").post(url, data).status_code, 404)
        response = self.as_("pedagog").post(url, data)
        self.assertRedirects(response, reverse("eligibility:assignment", args=[self.a.pk]))
        self.a.refresh_from_db()
        self.assertEqual(self.a.status, S.CONFIRMED)

    def test_confirm_errors(self):
        url = reverse("eligibility:confirm", args=[self.a.pk])
        response = self.as_("pedagog").post(
            url, {"valid_from": "2026-05-01", "valid_to": "2026-04-01"}, **EN
        )
        self.assertContains(response, "ends before it begins", status_code=422)
        b = self.apply(Category.OTHER, self.sibling)
        response = self.client.post(
            reverse("eligibility:confirm", args=[b.pk]),
            {"valid_from": "2026-04-01", "valid_to": "2026-05-31"},
            **EN,
        )
        self.assertContains(response, "board of trustees", status_code=422)
        b.refresh_from_db()
        self.assertEqual(b.status, S.APPLIED)

    def test_confirm_with_board_decision_on_the_page(self):
        b = self.apply(Category.OTHER, self.sibling)
        response = self.as_("pedagog").post(
            reverse("eligibility:confirm", args=[b.pk]),
            {
                "valid_from": "2026-04-01",
                "valid_to": "2026-05-31",
                "board_number": "9",
                "board_date": "2026-03-31",
                "board_text": "Көпбалалы отбасы",
            },
        )
        self.assertEqual(response.status_code, 302)
        b.refresh_from_db()
        self.assertEqual((b.status, b.board_decision.number), (S.CONFIRMED, "9"))

    def test_income_refusal_is_explained(self):
        from qamqor.registry.models import Income

        Income.objects.create(family=self.family, source="business", monthly_amount=500_000)
        b = self.apply(Category.BELOW_SUBSISTENCE, self.sibling)
        response = self.as_("pedagog").post(
            reverse("eligibility:confirm", args=[b.pk]),
            {"valid_from": "2026-04-01", "valid_to": "2026-05-31"},
            **EN,
        )
        self.assertContains(response, "is not below the subsistence minimum", status_code=422)

    def test_refuse(self):
        url = reverse("eligibility:refuse", args=[self.a.pk])
        response = self.as_("pedagog").post(url, {"reason": ""})
        self.assertEqual(response.status_code, 422)
        self.assertEqual(self.as_("board").post(url, {"reason": "x"}).status_code, 404)
        response = self.as_("admin").post(url, {"reason": "Анықтама мерзімі өткен"})
        self.assertEqual(response.status_code, 302)
        self.a.refresh_from_db()
        self.assertEqual(self.a.status, S.REFUSED)

    def test_add_evidence(self):
        url = reverse("eligibility:add_evidence", args=[self.a.pk])
        response = self.as_("pedagog").post(url, {"add-kind": "other", "add-file": pdf()})
        self.assertEqual(response.status_code, 302)
        self.assertEqual(self.a.evidence.count(), 2)
        response = self.client.post(url, {"add-kind": "other", "add-file": fake()})
        self.assertEqual(response.status_code, 422)
        self.assertEqual(
            self.as_("director").post(url, {"add-kind": "other", "add-file": pdf()}).status_code,
            404,
        )


class DownloadTests(ViewTestCase):
    def test_evidence_download_role_matrix_and_headers(self):
        url = reverse("eligibility:evidence", args=[self.evidence.pk])
        for persona in (*READERS, "parent"):
            with self.subTest(persona):
                response = self.as_(persona).get(url)
                self.assertEqual(response.status_code, 200)
                self.assertIn("attachment", response["Content-Disposition"])
                self.assertEqual(response["X-Content-Type-Options"], "nosniff")
                self.assertEqual(response["Content-Type"], "application/pdf")
                self.assertTrue(b"".join(response.streaming_content).startswith(b"%PDF-"))
        for persona in NEVER:
            with self.subTest(persona):
                self.assertEqual(self.as_(persona).get(url).status_code, 404)
        views = AuditEvent.objects.filter(action="view", object_type="eligibility.evidence")
        self.assertEqual(views.count(), len(READERS) + 1)

    def test_media_url_is_not_served(self):
        self.login(self.pedagog)
        response = self.client.get("/media/" + self.evidence.file.name)
        self.assertEqual(response.status_code, 404)

    def test_board_scan(self):
        decision = self.board_decision()
        url = reverse("eligibility:board_scan", args=[decision.pk])
        self.assertEqual(self.as_("board").get(url).status_code, 200)
        for persona in ("parent", *NEVER):
            with self.subTest(persona):
                self.assertEqual(self.as_(persona).get(url).status_code, 404)

    def test_missing_evidence_row_is_404(self):
        pk = self.evidence.pk
        Evidence.objects.filter(pk=pk).delete()
        self.assertEqual(
            self.as_("pedagog").get(reverse("eligibility:evidence", args=[pk])).status_code, 404
        )


class TagTests(ViewTestCase):
    def render(self, persona: str, text: str, **context) -> str:
        request = RequestFactory().get("/")
        request.user = getattr(self, persona)
        with translation.override("en"):
            return Template("{% load eligibility_tags %}" + text).render(
                Context({"request": request, **context})
            )

    def test_pupil_categories_role_matrix(self):
        label = str(Category.ASP.label)
        link = reverse("eligibility:assignment", args=[self.a.pk])
        assign = reverse("eligibility:assign", args=[self.pupil.pk])
        for persona in READERS:
            with self.subTest(persona):
                html = self.render(persona, "{% pupil_categories pupil %}", pupil=self.pupil)
                self.assertIn(label, html)
                self.assertIn(link, html)
                self.assertIn("overdue by 3 working days", html)
                self.assertEqual(assign in html, persona in WRITERS)
        html = self.render("parent", "{% pupil_categories pupil %}", pupil=self.pupil)
        self.assertIn(label, html)
        self.assertNotIn(assign, html)
        for persona in ("teacher", "canteen", "outsider", "nobody"):
            with self.subTest(persona):
                html = self.render(persona, "{% pupil_categories pupil %}", pupil=self.pupil)
                self.assertEqual(html.strip(), "")

    def test_parent_sees_only_their_own_children(self):
        self.apply(Category.ORPHAN, self.stranger)
        html = self.render("parent", "{% pupil_categories pupil %}", pupil=self.stranger)
        self.assertEqual(html.strip(), "")

    def test_income_test_tag(self):
        for persona in READERS:
            with self.subTest(persona):
                html = self.render(persona, "{% income_test family %}", family=self.family)
                self.assertIn('data-income-below="yes"', html)
                self.assertIn("50,851", html)  # 2026, national
        for persona in ("parent", "teacher", "canteen", "outsider", "nobody"):
            with self.subTest(persona):
                html = self.render(persona, "{% income_test family %}", family=self.family)
                self.assertEqual(html.strip(), "")

    def test_canteen_and_teacher_never_see_a_category_on_the_pupil_card(self):
        url = reverse("registry:pupil", args=[self.pupil.pk])
        self.apply(Category.ORPHAN)
        for persona in ("teacher", "canteen"):
            with self.subTest(persona):
                response = self.as_(persona).get(url, **EN)
                if response.status_code == 404:
                    continue  # the canteen may not open the card at all
                html = response.content.decode()
                for category in Category:
                    self.assertNotIn(str(category.label), html)
                self.assertNotIn("/eligibility/", html.split("<main", 1)[1])
