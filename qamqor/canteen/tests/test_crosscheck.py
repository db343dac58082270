"""The daily cross-check of entries against served meals."""

from __future__ import annotations

import datetime as dt
import io
import uuid

from django.core.management import call_command
from django.test import SimpleTestCase
from django.urls import reverse

from qamqor.canteen.models import CrossCheck, Mismatch
from qamqor.canteen.services.crosscheck import differences
from qamqor.canteen.services.entries import record_entry
from qamqor.meals.models import Redemption
from qamqor.testing import PersonaTestCase

from .base import active_voucher

DAY = dt.date(2026, 11, 20)
AT = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=5)))


def serve(pupil, status=Redemption.Status.SERVED):  # noqa: ANN001
    voucher = active_voucher(pupil, month=DAY.replace(day=1))
    return Redemption.objects.create(
        client_id=uuid.uuid4(), school_id=pupil.school_id, voucher=voucher, pupil_id=pupil.pk,
        meal_type="lunch", day=DAY, status=status, scanned_at=AT, received_at=AT,
    )  # fmt: skip


class DifferencesTests(SimpleTestCase):
    def test_both_ways(self):
        found = differences(entered={1, 2, 3}, served={2, 3, 4, 5})
        self.assertEqual(
            [(d.pupil_id, d.kind) for d in found],
            [(1, "not_served"), (4, "not_entered"), (5, "not_entered")],
        )
        self.assertEqual(differences(set(), set()), [])


class CrossCheckTests(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        record_entry(cls.pupil, AT, source="face")  # entered and served
        serve(cls.pupil)
        record_entry(cls.sibling, AT, source="face")  # entered, not served
        serve(cls.stranger)  # served, never entered
        record_entry(cls.other_pupil, AT, source="face")  # another school: not here
        refused = serve(cls.other_pupil)
        Redemption.objects.filter(pk=refused.pk).update(status=Redemption.Status.REFUSED)

    def test_the_command_is_idempotent(self):
        out = io.StringIO()
        call_command("canteen_crosscheck", "--date", str(DAY), stdout=out)
        self.assertIn(
            f"{DAY} school {self.school.pk}: entered 2, served 2, differences 2", out.getvalue()
        )
        self.assertIn(
            f"school {self.other_school.pk}: entered 1, served 0, differences 1", out.getvalue()
        )
        first = set(Mismatch.objects.values_list("check_run__school_id", "pupil_id", "kind"))
        call_command("canteen_crosscheck", "--date", str(DAY), stdout=io.StringIO())
        again = set(Mismatch.objects.values_list("check_run__school_id", "pupil_id", "kind"))
        self.assertEqual(first, again)
        self.assertEqual(CrossCheck.objects.count(), 2)
        self.assertEqual(
            first - {(self.other_school.pk, self.other_pupil.pk, "not_served")},
            {
                (self.school.pk, self.sibling.pk, "not_served"),
                (self.school.pk, self.stranger.pk, "not_entered"),
            },
        )
        check = CrossCheck.objects.get(school=self.school)
        self.assertEqual((check.entered, check.served, check.matched), (2, 2, 1))

    def test_the_page_lists_the_differences_per_class_for_the_pedagogue(self):
        self.login(self.pedagog)
        url = reverse("canteen:crosscheck")
        self.assertContains(self.client.get(url, {"day": str(DAY)}), "not been checked yet")
        response = self.client.post(
            reverse("canteen:crosscheck_run"), {"school": self.school.pk, "day": str(DAY)}
        )
        self.assertRedirects(response, f"{url}?school={self.school.pk}&day={DAY}")
        page = self.client.get(url, {"school": self.school.pk, "day": str(DAY)})
        self.assertContains(page, 'data-testid="crosscheck-7Б"')
        self.assertContains(page, self.sibling.surname + " " + self.sibling.name)
        self.assertContains(page, "Иванов Иван")
        self.assertNotContains(page, 'data-testid="crosscheck-3А"')  # no difference there

    def test_the_principal_reads_but_does_not_run_it(self):
        self.login(self.director)
        self.assertEqual(self.client.get(reverse("canteen:crosscheck")).status_code, 200)
        response = self.client.post(reverse("canteen:crosscheck_run"), {"day": str(DAY)})
        self.assertEqual(response.status_code, 404)
        self.assertFalse(CrossCheck.objects.exists())
