"""Camp vouchers: the order (category first, then receipt), idempotency, giving a place up."""

from __future__ import annotations

import datetime as dt

from qamqor.applications import services
from qamqor.applications.models import CampPlace, Service
from qamqor.applications.services.camps import candidates
from qamqor.eligibility.models import CategoryAssignment
from qamqor.testing import make_family, make_pupil

from .base import ApplicationsTestCase, K, Status, almaty, paper_documents, pdf

Place = CampPlace.Status


class Allocation(ApplicationsTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.camp = services.create_camp(self.pedagog, self.school, "Балдаурен", "out_of_town")
        self.session = services.add_camp_session(
            self.pedagog, self.camp, "1-ауысым", dt.date(2026, 6, 10), dt.date(2026, 6, 30), 2
        )
        self.kids = [make_pupil(self.school, self.klass, make_family(self.school), name=f"Бала{i}")
                     for i in range(4)]  # fmt: skip
        # Receipt order: kid0 first ... kid3 last. kid2 and kid3 have a confirmed category.
        self.apps = []
        for i, kid in enumerate(self.kids):
            a = self.submit(
                kid,
                Service.CAMP_VOUCHER,
                received_at=almaty(2026, 3, 2 + i, 10),
                documents=paper_documents(Service.CAMP_VOUCHER),
                allow_incomplete=True,  # the test registry does not know these children
            )
            self.apps.append(self.advance(a, Status.UNDER_REVIEW))
        for kid in self.kids[2:]:
            CategoryAssignment.objects.create(
                school=self.school, pupil=kid, category="asp", status="confirmed",
                received_at=almaty(2026, 2, 2, 10), counted_from=dt.date(2026, 2, 2),
                due_date=dt.date(2026, 2, 23), valid_from=dt.date(2026, 2, 20),
                valid_to=dt.date(2026, 8, 31),
            )  # fmt: skip
        for a in self.apps:
            # The missing birth certificates arrive; then the school approves.
            services.add_document(self.pedagog, a, K.BIRTH_CERTIFICATE, pdf())
            services.add_document(self.pedagog, a, K.MARRIAGE_CERTIFICATE, pdf())
            services.approve_application(self.pedagog, a)

    def rows(self, status: str) -> list[int]:
        return list(
            self.session.allocations.filter(status=status)
            .order_by("position")
            .values_list("application_id", flat=True)
        )

    def test_category_first_then_order_of_receipt(self):
        order = [c.application.pk for c in candidates(self.session)]
        a0, a1, a2, a3 = (a.pk for a in self.apps)
        self.assertEqual(order, [a2, a3, a0, a1])
        result = services.allocate_camp_places(self.pedagog, self.session)
        self.assertEqual((result.placed_now, result.waiting, result.free), (2, 2, 0))
        self.assertEqual(self.rows(Place.PLACED), [a2, a3])
        self.assertEqual(self.rows(Place.WAITING), [a0, a1])
        placed = self.session.allocations.get(application_id=a2)
        self.assertEqual((placed.priority, placed.priority_category), (True, "asp"))
        self.assertEqual(placed.voucher_number, f"{self.session.pk}-001")

    def test_allocating_twice_changes_nothing(self):
        services.allocate_camp_places(self.pedagog, self.session)
        before = list(
            self.session.allocations.values_list("id", "status", "position", "voucher_number")
        )
        result = services.allocate_camp_places(self.pedagog, self.session)
        self.assertEqual(result.placed_now, 0)
        after = list(
            self.session.allocations.values_list("id", "status", "position", "voucher_number")
        )
        self.assertEqual(before, after)

    def test_a_given_up_place_goes_down_the_waiting_list(self):
        services.allocate_camp_places(self.pedagog, self.session)
        a0, a1, a2, _a3 = (a.pk for a in self.apps)
        place = self.session.allocations.get(application_id=a2)
        services.release_camp_place(self.pedagog, place, "Отбасы бас тартты.")
        result = services.allocate_camp_places(self.pedagog, self.session)
        self.assertEqual(result.placed_now, 1)
        newcomer = self.session.allocations.get(application_id=a0)
        self.assertEqual(
            (newcomer.status, newcomer.voucher_number), (Place.PLACED, f"{self.session.pk}-003")
        )
        self.assertEqual(self.rows(Place.WAITING), [a1])
        self.assertEqual(self.rows(Place.RELEASED), [a2])

    def test_a_later_priority_applicant_does_not_take_an_issued_voucher(self):
        self.session.places = 1
        self.session.save()
        services.allocate_camp_places(self.pedagog, self.session)
        first = self.rows(Place.PLACED)
        CategoryAssignment.objects.create(
            school=self.school, pupil=self.kids[0], category="orphans", status="confirmed",
            received_at=almaty(2026, 2, 2, 10), counted_from=dt.date(2026, 2, 2),
            due_date=dt.date(2026, 2, 23), valid_from=dt.date(2026, 1, 1),
        )  # fmt: skip
        services.allocate_camp_places(self.pedagog, self.session)
        self.assertEqual(self.rows(Place.PLACED), first)
        # ... but it moves up the waiting list.
        self.assertEqual(self.rows(Place.WAITING)[0], self.apps[0].pk)

    def test_one_voucher_per_child_per_summer(self):
        services.allocate_camp_places(self.pedagog, self.session)
        second = services.add_camp_session(
            self.pedagog, self.camp, "2-ауысым", dt.date(2026, 7, 5), dt.date(2026, 7, 25), 5
        )
        services.allocate_camp_places(self.pedagog, second)
        got = list(
            second.allocations.filter(status=Place.PLACED).values_list("application_id", flat=True)
        )
        self.assertEqual(sorted(got), sorted(a.pk for a in self.apps[:2]))
        # Placed in the second session: off the first one's waiting list.
        services.allocate_camp_places(self.pedagog, self.session)
        self.assertEqual(self.rows(Place.WAITING), [])

    def test_only_approved_camp_applications_take_part(self):
        open_one = self.submit(
            self.pupil, Service.CAMP_VOUCHER, documents=paper_documents(Service.CAMP_VOUCHER)
        )
        meals = self.submit(self.pupil, Service.FREE_MEALS)
        self.advance(meals, Status.UNDER_REVIEW, Status.APPROVED)
        ids = {c.application.pk for c in candidates(self.session)}
        self.assertNotIn(open_one.pk, ids)
        self.assertNotIn(meals.pk, ids)

    def test_refusals(self):
        with self.assertRaises(services.ApplicationError) as e:
            services.add_camp_session(
                self.pedagog, self.camp, "x", dt.date(2026, 6, 2), dt.date(2026, 6, 1), 3
            )
        self.assertEqual(e.exception.code, "session_dates_invalid")
        with self.assertRaises(services.ApplicationError) as e:
            services.create_camp(self.pedagog, self.school, "Балдаурен", "school")
        self.assertEqual(e.exception.code, "camp_exists")
        services.allocate_camp_places(self.pedagog, self.session)
        waiting = self.session.allocations.filter(status=Place.WAITING).first()
        with self.assertRaises(services.ApplicationError) as e:
            services.release_camp_place(self.pedagog, waiting, "x")
        self.assertEqual(e.exception.code, "place_not_held")
