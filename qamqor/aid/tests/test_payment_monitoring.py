"""Aid monitoring: the seed-000 table of the aid paid, with amounts, per school and district."""

from __future__ import annotations

import datetime as dt
import io

import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from qamqor.aid import services
from qamqor.aid.models import AidAmount
from qamqor.aid.payment_monitoring import aid_monitoring, by_district, grand_total
from qamqor.applications.models import Application
from qamqor.core import ids
from qamqor.eligibility.models import CategoryAssignment
from qamqor.registry.models import Guardian
from qamqor.testing import make_family, make_guardian, make_pupil

from .base import NOW, TODAY, AidTestCase

A = 50851  # the aid of 2026


class Numbers(AidTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        with time_machine.travel(NOW, tick=False):
            Guardian.objects.filter(pk=cls.stranger_guardian.pk).update(
                iban=ids.make_iban_kz("722", "0000000000901")
            )
            cls.stranger_guardian.refresh_from_db()
            # The sibling (same family as the pupil): АӘК as well.
            cls.sibling_app = cls.approve(cls.sibling, cls.guardian, category="asp")
            # A child whose application names no category: counted under the confirmed one.
            family = make_family(cls.school)
            cls.plain = make_pupil(cls.school, cls.other_class, family, surname="Сапарова")
            cls.plain_app = cls.approve(cls.plain, make_guardian(family), category="")
            CategoryAssignment.objects.create(
                school=cls.school,
                pupil=cls.plain,
                category="emergency",
                status="confirmed",
                received_at=NOW - dt.timedelta(days=30),
                counted_from=dt.date(2026, 8, 3),
                due_date=dt.date(2026, 8, 21),
                valid_from=dt.date(2026, 8, 20),
                valid_to=dt.date(2027, 5, 31),
            )
            # School B in the same district: one child paid, below subsistence.
            other_family = cls.other_pupil.family
            cls.other_app = cls.approve(
                cls.other_pupil, make_guardian(other_family), category="below_subsistence"
            )

    def pay_all(self):
        for school in (self.school, self.other_school):
            register = services.form_register(self.pedagog, school)
            services.record_export(self.pedagog, register, "csv")
            services.mark_register_paid(self.pedagog, register, TODAY)

    def test_per_category_with_amounts(self):
        self.pay_all()
        (row,) = aid_monitoring([self.school], 2026, TODAY)
        # Families: the pupil's (2 children), the stranger's, the plain child's.
        self.assertEqual((row.families, row.children, row.amount), (3, 4, 4 * A))
        self.assertEqual(
            row.per_category,
            {
                "asp": [2, 2 * A],
                "below_subsistence": [0, 0],
                "other": [0, 0],
                "orphans": [1, A],
                "emergency": [1, A],
                "none": [0, 0],
            },
        )
        self.assertEqual(sum(v[1] for v in row.per_category.values()), row.amount)

    def test_district_totals_and_reports(self):
        self.pay_all()
        self.travel(dt.date(2026, 9, 17))
        report = Application.objects.get(pk=self.app.pk).purchase_report
        self.complete(report)
        services.submit_report(self.parent, report)
        services.accept_report(self.pedagog, report)
        rows = aid_monitoring([self.school, self.other_school], 2026, dt.date(2026, 9, 17))
        (block,) = by_district(rows)
        self.assertEqual((block.total.children, block.total.amount), (5, 5 * A))
        self.assertEqual(block.total.per_category["below_subsistence"], [1, A])
        self.assertEqual((rows[0].reports_accepted, rows[0].reports_overdue), (1, 3))
        self.assertEqual((rows[1].reports_accepted, rows[1].reports_overdue), (0, 1))
        self.assertEqual(grand_total(rows).amount, 5 * A)

    def test_nothing_before_payment_and_other_years_apart(self):
        self.assertEqual(aid_monitoring([self.school], 2026, TODAY)[0].children, 0)
        self.pay_all()
        self.assertEqual(aid_monitoring([self.school], 2025, TODAY)[0].children, 0)

    def test_the_page_and_the_xlsx(self):
        self.pay_all()
        self.login(self.district_officer)
        page = self.client.get(reverse("aid:monitoring"))
        self.assertContains(page, "Universal education fund aid of 2026")
        self.assertContains(page, f'data-school="{self.school.pk}"')
        self.assertContains(page, f'data-school="{self.other_school.pk}"')
        self.assertContains(page, "254,255")  # 5 × 50,851 in the total row
        response = self.client.get(reverse("aid:monitoring_xlsx"), {"year": 2026})
        sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
        rows = list(sheet.iter_rows(values_only=True))
        self.assertEqual(rows[2][:4], ("School", "Families", "Children", "Paid, ₸"))
        self.assertEqual(rows[2][4], "TSA")  # «АӘК» in English
        self.assertEqual(rows[3][4:6], ("children", "₸"))
        school_a = next(r for r in rows if r[0] == self.school.name)
        self.assertEqual(school_a[1:6], (3, 4, 4 * A, 2, 2 * A))
        self.assertEqual(rows[-1][:4], ("Total", 4, 5, 5 * A))

    def test_the_principal_sees_only_the_school(self):
        self.pay_all()
        self.login(self.director)
        page = self.client.get(reverse("aid:monitoring"))
        self.assertContains(page, f'data-school="{self.school.pk}"')
        self.assertNotContains(page, f'data-school="{self.other_school.pk}"')
        self.assertEqual(
            self.client.get(
                reverse("aid:monitoring"), {"school": self.other_school.pk}
            ).status_code,
            404,
        )

    def test_the_amount_table_is_seeded(self):
        self.assertEqual(
            list(AidAmount.objects.order_by("year").values_list("year", "amount")),
            [(2024, 43407), (2025, 46228), (2026, 50851)],
        )
        self.assertIn("43 мың 407", AidAmount.objects.get(year=2024).source)
