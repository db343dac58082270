"""Seed 000's monitoring table: what it counts, who may read it, and its page, XLSX and API."""

from __future__ import annotations

import datetime as dt
import io

import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from qamqor.audit.models import AuditEvent
from qamqor.eligibility.models import Category, CategoryAssignment
from qamqor.reports.monitoring import monitoring, monitoring_by_school
from qamqor.testing import PersonaTestCase, make_pupil

TODAY = dt.date(2026, 10, 14)
MOMENT = dt.datetime(2026, 10, 14, 10, 0, tzinfo=dt.UTC)
EMPTY = {"families": 0, "children": 0, "asp": 0, "below_subsistence": 0, "other": 0,
         "orphans": 0, "emergency": 0}  # fmt: skip
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def assign(pupil, category, status=CategoryAssignment.Status.CONFIRMED, **kw):  # noqa: ANN001
    return CategoryAssignment.objects.create(
        school_id=pupil.school_id,
        pupil=pupil,
        category=category,
        status=status,
        received_at=MOMENT,
        counted_from=TODAY,
        due_date=TODAY,
        valid_from=kw.pop("valid_from", dt.date(2026, 9, 1)),
        valid_to=kw.pop("valid_to", dt.date(2027, 5, 31)),
        **kw,
    )


class MonitoringFigures(PersonaTestCase):
    def test_an_empty_school_counts_nothing(self):
        self.assertEqual(monitoring(self.school, TODAY), EMPTY)

    def test_children_once_families_once_and_each_category(self):
        assign(self.pupil, Category.ASP)
        assign(self.pupil, Category.ORPHAN)  # two categories: one child, two columns
        assign(self.sibling, Category.ASP)  # same family
        assign(self.stranger, Category.EMERGENCY)  # a family of their own
        assign(self.other_pupil, Category.ASP)  # another school
        self.assertEqual(
            monitoring(self.school, TODAY),
            {**EMPTY, "families": 2, "children": 3, "asp": 2, "orphans": 1, "emergency": 1},
        )

    def test_only_confirmed_categories_valid_on_the_day_count(self):
        assign(self.pupil, Category.ASP, status=CategoryAssignment.Status.APPLIED)
        assign(self.pupil, Category.OTHER, status=CategoryAssignment.Status.REFUSED)
        assign(self.sibling, Category.ASP, valid_to=dt.date(2026, 10, 13))
        assign(self.stranger, Category.ASP, valid_from=dt.date(2026, 10, 15))
        self.assertEqual(monitoring(self.school, TODAY), EMPTY)
        # Open-ended periods count, and the period's last day is still inside it.
        assign(self.sibling, Category.OTHER, valid_from=None, valid_to=TODAY)
        self.assertEqual(
            monitoring(self.school, TODAY), {**EMPTY, "families": 1, "children": 1, "other": 1}
        )

    def test_a_child_who_left_school_is_not_counted(self):
        assign(self.pupil, Category.ASP)
        self.pupil.status = "left"
        self.pupil.save(update_fields=["status"])
        self.assertEqual(monitoring(self.school, TODAY), EMPTY)

    def test_a_child_without_a_family_stands_for_a_family(self):
        alone = make_pupil(self.school, self.klass, None, name="Дана")
        assign(alone, Category.ORPHAN)
        assign(self.pupil, Category.ORPHAN)
        self.assertEqual(
            monitoring(self.school, TODAY),
            {**EMPTY, "families": 2, "children": 2, "orphans": 2},
        )

    def test_many_schools_are_counted_in_one_query(self):
        assign(self.pupil, Category.ASP)
        assign(self.other_pupil, Category.ORPHAN)
        schools = [self.school, self.other_school, self.far_school]
        with self.assertNumQueries(1):
            counts = monitoring_by_school([s.pk for s in schools], TODAY)
        self.assertEqual(counts, {s.pk: monitoring(s, TODAY) for s in schools})
        self.assertEqual(counts[self.far_school.pk], EMPTY)


@time_machine.travel(MOMENT, tick=False)
class MonitoringApi(PersonaTestCase):
    def setUp(self):
        super().setUp()
        assign(self.pupil, Category.ASP)
        assign(self.other_pupil, Category.ASP)

    def get(self, school):  # noqa: ANN001
        return self.client.get("/api/v1/reports/monitoring", {"school": school.pk})

    def test_category_readers_get_their_school_s_figures(self):
        for user in (self.pedagog, self.director, self.board, self.admin, self.district_officer):
            with self.subTest(user=user.username):
                self.client.force_login(user)
                response = self.get(self.school)
                self.assertEqual(response.status_code, 200, response.content)
                self.assertEqual(response.json(), {**EMPTY, "families": 1, "children": 1, "asp": 1})

    def test_roles_that_may_not_see_categories_and_other_schools_get_404(self):
        for user in (self.teacher, self.canteen, self.parent, self.outsider, self.nobody):
            with self.subTest(user=user.username):
                self.client.force_login(user)
                response = self.get(self.school)
                self.assertEqual(response.status_code, 404)
                self.assertEqual(response.json()["code"], "not_found")
        self.client.force_login(self.pedagog)
        self.assertEqual(self.get(self.far_school).status_code, 404)

    def test_an_anonymous_call_is_401(self):
        self.assertEqual(self.get(self.school).status_code, 401)


@time_machine.travel(MOMENT, tick=False)
class MonitoringPageAndXlsx(PersonaTestCase):
    def setUp(self):
        super().setUp()
        assign(self.pupil, Category.ASP)
        assign(self.sibling, Category.BELOW_SUBSISTENCE)
        assign(self.other_pupil, Category.OTHER)

    def test_the_page_shows_one_row_per_readable_school(self):
        self.client.force_login(self.pedagog)
        response = self.client.get(reverse("reports:monitoring"))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            [(s, v) for s, v in response.context["table"]], [(self.school, [1, 2, 1, 1, 0, 0, 0])]
        )
        self.assertContains(response, "14.10.2026")
        self.assertNotContains(response, "Total")

    def test_the_district_sees_each_school_and_a_total_or_one_school(self):
        self.client.force_login(self.district_officer)
        response = self.client.get(reverse("reports:monitoring"))
        schools = [s for s, _v in response.context["table"]]
        self.assertEqual(set(schools), {self.school, self.other_school})
        self.assertEqual(response.context["totals"], [2, 3, 1, 1, 1, 0, 0])
        self.assertContains(response, "Total")
        one = self.client.get(reverse("reports:monitoring"), {"school": self.other_school.pk})
        self.assertEqual(one.context["table"], [(self.other_school, [1, 1, 0, 0, 1, 0, 0])])
        self.assertContains(one, f"?school={self.other_school.pk}")

    def test_a_user_without_a_category_reading_role_gets_404(self):
        for user in (self.teacher, self.canteen, self.parent, self.nobody):
            with self.subTest(user=user.username):
                self.client.force_login(user)
                for name in ("reports:monitoring", "reports:monitoring_xlsx"):
                    self.assertEqual(self.client.get(reverse(name)).status_code, 404)
        self.client.force_login(self.pedagog)
        url = reverse("reports:monitoring")
        self.assertEqual(self.client.get(url, {"school": self.other_school.pk}).status_code, 404)

    def test_the_xlsx_has_the_table_and_a_total_and_each_school_s_export_is_audited(self):
        self.client.force_login(self.district_officer)
        response = self.client.get(reverse("reports:monitoring_xlsx"))
        self.assertEqual(response["Content-Type"], XLSX)
        self.assertEqual(
            response["Content-Disposition"], 'attachment; filename="monitoring-2026-10-14.xlsx"'
        )
        rows = list(load_workbook(io.BytesIO(response.content)).active.values)
        self.assertEqual(rows[0][0], "Monitoring of children in need on 14.10.2026")
        self.assertEqual(
            rows[2],
            ("School", "Families", "Children", "TSA", "Below subsistence", "Other", "Orphans",
             "Emergency"),
        )  # fmt: skip
        self.assertEqual(
            {r[0]: r[1:] for r in rows[3:]},
            {
                self.school.name: (1, 2, 1, 1, 0, 0, 0),
                self.other_school.name: (1, 1, 0, 0, 1, 0, 0),
                "Total": (2, 3, 1, 1, 1, 0, 0),
            },
        )
        events = AuditEvent.objects.filter(action="export", object_type="reports.monitoring")
        self.assertEqual(
            set(events.values_list("school_id", "user")),
            {(self.school.pk, self.district_officer.pk), (self.other_school.pk,
             self.district_officer.pk)},
        )  # fmt: skip

    def test_one_school_s_xlsx_has_no_total(self):
        self.client.force_login(self.pedagog)
        response = self.client.get(reverse("reports:monitoring_xlsx"), {"school": self.school.pk})
        rows = list(load_workbook(io.BytesIO(response.content)).active.values)
        self.assertEqual(rows[3:], [(self.school.name, 1, 2, 1, 1, 0, 0, 0)])
