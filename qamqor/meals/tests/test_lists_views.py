"""The list, programme and voucher pages over the role matrix, and what they show."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from qamqor.meals.models import ListEntry, MonthlyList, Voucher
from qamqor.meals.services import lists

from .lists_base import DECEMBER, ListTestCase

D = dt.date
St = MonthlyList.Status
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
READERS = ("pedagog", "admin", "director", "board", "district_officer")
WRITERS = ("pedagog", "admin")
APPROVERS = ("director", "admin")
NEVER = ("teacher", "canteen", "parent", "outsider", "nobody")
ALL = READERS + NEVER


def url(name: str, school, month: str = "2026-12") -> str:
    return reverse(f"meals:{name}", args=[getattr(school, "pk", school), month])


class PageTestCase(ListTestCase):
    def as_(self, persona: str):
        self.client.logout()
        self.login(getattr(self, persona))
        return self.client


class RoleMatrixTests(PageTestCase):
    def test_reading_pages(self):
        self.approved()
        pages = [url(n, self.school) for n in ("list_month", "list_progress", "list_vouchers")]
        pages += [url("programme_month", self.school)]
        for page in pages:
            # The progress of a list no longer verifying sends the reader to the list.
            ok = 302 if "progress" in page else 200
            for persona in ALL:
                with self.subTest(page=page, persona=persona):
                    code = self.as_(persona).get(page).status_code
                    self.assertEqual(code, ok if persona in READERS else 404)

    def test_the_index_lists_ones_own_schools(self):
        index = reverse("meals:list_index")
        for persona in ALL:
            response = self.as_(persona).get(index)
            allowed = persona in READERS or persona == "outsider"
            self.assertEqual(response.status_code, 200 if allowed else 404, persona)
        response = self.as_("outsider").get(index)
        self.assertContains(response, url("list_month", self.other_school))
        self.assertNotContains(response, url("list_month", self.school))

    def test_writing_pages(self):
        self.make_programme()
        for name in ("list_form", "programme_days", "programme_days_reset"):
            for persona in ALL:
                with self.subTest(name=name, persona=persona):
                    code = self.as_(persona).post(url(name, self.school)).status_code
                    self.assertEqual(code, 302 if persona in WRITERS else 404)
        for persona in ALL:
            code = self.as_(persona).get(url("programme_edit", self.school)).status_code
            self.assertEqual(code, 200 if persona in WRITERS else 404, persona)

    def test_only_the_principal_or_an_admin_decides(self):
        self.submitted()
        for persona in ALL:
            if persona in APPROVERS:
                continue
            with self.subTest(persona=persona):
                response = self.as_(persona).post(url("list_approve", self.school))
                self.assertEqual(response.status_code, 404)
                response = self.as_(persona).post(url("list_return", self.school), {"comment": "x"})
                self.assertEqual(response.status_code, 404)
        self.assertEqual(MonthlyList.objects.get().status, St.SUBMITTED)

    def test_voucher_actions_are_for_writers(self):
        self.approved()
        v = Voucher.objects.get(pupil=self.sibling)
        for persona in ALL:
            if persona in WRITERS:
                continue
            with self.subTest(persona=persona):
                response = self.as_(persona).post(
                    reverse("meals:list_voucher_suspend", args=[v.pk])
                )
                self.assertEqual(response.status_code, 404)
        self.assertEqual(Voucher.objects.get(pk=v.pk).status, Voucher.Status.ACTIVE)

    def test_a_bad_month_or_school_is_404(self):
        client = self.as_("pedagog")
        self.assertEqual(client.get(url("list_month", self.school, "2026-13")).status_code, 404)
        self.assertEqual(client.get(url("list_month", 999999)).status_code, 404)
        response = client.post(url("list_submit", self.school), follow=True, **EN)
        self.assertContains(response, "The month&#x27;s list is not formed yet.")

    def test_anonymous_is_sent_to_sign_in(self):
        response = self.client.get(url("list_month", self.school))
        self.assertEqual(response.status_code, 302)
        self.assertIn(reverse("accounts:login"), response["Location"])


class WorkflowPageTests(PageTestCase):
    def test_the_pedagogue_sets_up_forms_and_submits_the_principal_approves(self):
        client = self.as_("pedagog")
        response = client.get(url("list_month", self.school), **EN)
        self.assertContains(response, "Set up the programme")
        data = {
            "operator": self.operator.pk, "contract_number": "14/2026",
            "lunch_price": 850, "lunch_share": 100, "breakfast_share": 100, "snack_share": 100,
            "universal_from_grade": 1, "universal_to_grade": 4,
            "category_from_grade": 5, "category_to_grade": 11,
        }  # fmt: skip
        response = client.post(url("programme_edit", self.school), data)
        self.assertRedirects(response, url("programme_month", self.school))
        response = client.get(url("programme_month", self.school), **EN)
        self.assertContains(response, 'data-day="2026-12-01"')
        self.assertContains(response, "22 meal days")

        response = client.post(url("list_form", self.school), follow=True, **EN)
        self.assertContains(response, "The list is formed: 2 pupils.")
        self.assertContains(response, self.sibling.full_name)
        self.assertContains(response, 'data-basis="asp"')
        response = client.post(url("list_submit", self.school), follow=True, **EN)
        self.assertContains(response, "The list is sent to the principal.")
        self.assertNotContains(response, 'data-testid="approve-list"')

        client = self.as_("director")
        response = client.get(url("list_month", self.school), **EN)
        self.assertContains(response, 'data-testid="approve-list"')
        with self.captureOnCommitCallbacks(execute=True):
            response = client.post(url("list_approve", self.school), follow=True, **EN)
        self.assertContains(response, "approved and sent to state verification")
        self.assertEqual(MonthlyList.objects.get().status, St.VERIFIED)
        self.assertContains(response, "Vouchers of the month")

    def test_return_without_a_comment_is_refused_with_a_message(self):
        self.submitted()
        client = self.as_("director")
        response = client.post(url("list_return", self.school), {"comment": "  "}, **EN)
        self.assertEqual(response.status_code, 422)
        self.assertContains(response, "This field is required", status_code=422)
        self.assertEqual(MonthlyList.objects.get().status, St.SUBMITTED)
        response = client.post(
            url("list_return", self.school), {"comment": "7Б тексеріңіз"}, follow=True
        )
        self.assertEqual(MonthlyList.objects.get().status, St.RETURNED)
        response = self.as_("pedagog").get(url("list_month", self.school))
        self.assertContains(response, "7Б тексеріңіз")

    def test_a_refused_transition_is_a_message_not_an_error(self):
        self.submitted()
        response = self.as_("pedagog").post(url("list_submit", self.school), follow=True, **EN)
        self.assertContains(response, "it cannot become")

    def test_progress_is_polled_and_advances_without_a_worker(self):
        lst = self.submitted()
        with self.captureOnCommitCallbacks(execute=False):
            lists.approve_list(self.director, lst)  # no task runs: no worker
        client = self.as_("pedagog")
        page = client.get(url("list_month", self.school))
        self.assertEqual(MonthlyList.objects.get().status, St.VERIFIED, "the page moved it on")
        self.assertEqual(page.status_code, 200)

    def test_the_progress_fragment_refreshes_the_page_when_done(self):
        lst = self.submitted()
        with self.captureOnCommitCallbacks(execute=False):
            lists.approve_list(self.director, lst)
        MonthlyList.objects.filter(pk=lst.pk).update(verification_total=2)
        client = self.as_("director")
        from unittest import mock

        from qamqor.meals.services import verification

        with (
            mock.patch.object(verification, "CHUNK", 1),
            mock.patch.object(verification, "POLL_BUDGET", 0),
            mock.patch("qamqor.meals.views.lists.POLL_BUDGET", 0),
        ):
            response = client.get(url("list_progress", self.school), HTTP_HX_REQUEST="true")
            self.assertContains(response, 'hx-trigger="every 1s"')
            self.assertContains(response, '<progress max="2" value="1">')
            response = client.get(url("list_progress", self.school), HTTP_HX_REQUEST="true")
        self.assertEqual(response.headers.get("HX-Refresh"), "true")

    def test_failures_are_shown_to_the_pedagogue(self):
        self.write_registry({self.sibling.iin: {"asp_from": "2026-06-01", "asp_to": "2026-11-30"}})
        self.approved()
        response = self.as_("pedagog").get(url("list_month", self.school), **EN)
        self.assertContains(response, "1 pupil failed state verification")
        self.assertContains(response, 'data-failure="asp_not_valid"')
        self.assertContains(response, "2026-11-30")

    def test_search_and_htmx_fragment(self):
        self.formed()
        client = self.as_("pedagog")
        response = client.get(
            url("list_month", self.school), {"q": self.sibling.name},
            HTTP_HX_REQUEST="true", HTTP_HX_TARGET="entry-results",
        )  # fmt: skip
        self.assertTemplateUsed(response, "meals/lists/_entries.html")
        self.assertContains(response, self.sibling.full_name)
        self.assertNotContains(response, self.pupil.full_name)
        response = client.get(url("list_month", self.school), {"grade": 3})
        self.assertEqual(list(response.context["page"].object_list),
                         list(ListEntry.objects.filter(grade=3)))  # fmt: skip

    def test_voucher_page_and_actions(self):
        self.approved()
        v = Voucher.objects.get(pupil=self.sibling)
        client = self.as_("pedagog")
        response = client.get(url("list_vouchers", self.school), **EN)
        self.assertContains(response, f'data-testid="suspend-{v.pk}"')
        self.assertEqual(response.context["counts"].by_status["active"], 2)
        response = client.post(reverse("meals:list_voucher_suspend", args=[v.pk]), follow=True)
        self.assertEqual(Voucher.objects.get(pk=v.pk).status, Voucher.Status.SUSPENDED)
        client.post(reverse("meals:list_voucher_reactivate", args=[v.pk]))
        self.assertEqual(Voucher.objects.get(pk=v.pk).status, Voucher.Status.ACTIVE)
        response = client.post(url("list_vouchers_issue", self.school), follow=True, **EN)
        self.assertContains(response, "Vouchers issued: 0; parents notified: 0.")

    def test_the_calendar_toggles_a_day(self):
        self.make_programme()
        client = self.as_("pedagog")
        response = client.post(
            url("programme_days", self.school), {"serve": "2026-12-05"}, HTTP_HX_REQUEST="true"
        )
        self.assertTemplateUsed(response, "meals/lists/_calendar.html")
        self.assertContains(response, 'name="skip" value="2026-12-05"')
        client.post(url("programme_days", self.school), {"skip": "2026-12-01"})
        days = set(self.make_programme().days.values_list("date", flat=True))
        self.assertIn(D(2026, 12, 5), days)
        self.assertNotIn(D(2026, 12, 1), days)

    def test_who_left_is_shown_with_the_reason(self):
        from .lists_base import NOVEMBER, confirm

        confirm(self.stranger, "orphans", D(2026, 9, 1), D(2026, 11, 30))
        self.formed(NOVEMBER)
        self.formed(DECEMBER)
        response = self.as_("director").get(url("list_month", self.school), **EN)
        self.assertContains(response, 'data-reason="category_expired"')
        self.assertContains(response, "the category has ended")


class PrivacyTests(PageTestCase):
    def test_a_reader_who_may_not_see_categories_sees_no_basis(self):
        from unittest import mock

        from qamqor.accounts.access import Scope

        self.write_registry({self.sibling.iin: {"asp_to": "2026-11-30"}})
        self.approved()
        from django.utils import translation

        from qamqor.meals.models import Basis

        with translation.override("en"):
            label = str(Basis.ASP.label)
        response = self.as_("director").get(url("list_month", self.school), **EN)
        self.assertContains(response, label)
        with mock.patch.object(Scope, "can_see_categories", return_value=False):
            response = self.as_("director").get(url("list_month", self.school), **EN)
            api = self.client.get(f"/api/v1/meals/lists/{self.school.pk}/2026-12")
        self.assertNotContains(response, label)
        self.assertNotContains(response, 'data-basis="asp"')
        self.assertContains(response, "by a support category")
        self.assertContains(response, 'data-failure="asp_not_valid"')
        if api.status_code == 200:  # the API is mounted by qamqor/api.py
            data = api.json()
            self.assertIsNone(data["by_basis"])
            self.assertEqual(data["by_category_total"], 1)
            self.assertIsNone(data["verification"]["failures"][0]["basis"])
