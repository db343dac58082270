"""The door TV and the class teacher's view."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.urls import reverse

from qamqor.audit.models import AuditEvent
from qamqor.canteen.models import Entry
from qamqor.canteen.services import board as boards
from qamqor.canteen.services.canteen import canteen_of
from qamqor.canteen.services.entries import record_entry
from qamqor.eligibility.models import CategoryAssignment
from qamqor.testing import PersonaTestCase, make_pupil

from .base import active_voucher

LUNCH = "2026-11-23 09:40 +05:00"  # the first sitting of the first shift (default breaks)
AT = dt.datetime(2026, 11, 23, 9, 38, tzinfo=dt.timezone(dt.timedelta(hours=5)))


class TvTests(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        # 3А (grade 3, universal): the persona pupil and two more; 7Б: category pupils.
        cls.third = [cls.pupil] + [
            make_pupil(cls.school, cls.klass, name=n, surname="Серікова") for n in ("Дана", "Әсел")
        ]
        cls.klass.shift = 1
        cls.klass.save(update_fields=["shift"])
        with time_machine.travel(LUNCH, tick=False):
            for p in [*cls.third, cls.sibling]:
                active_voucher(p)
        CategoryAssignment.objects.create(
            school=cls.school, pupil=cls.sibling, category="asp", status="confirmed",
            received_at=AT, counted_from=AT.date(), due_date=AT.date(),
        )  # fmt: skip

    def setUp(self):
        super().setUp()
        boards.forget()

    def get(self, user, name, **params):  # noqa: ANN001
        with time_machine.travel(LUNCH, tick=False):
            self.client.force_login(user)
            return self.client.get(reverse(name), params)

    def test_the_board_counts_entries_of_the_universal_classes(self):
        with time_machine.travel(LUNCH, tick=False):
            record_entry(self.pupil, AT, source="face")
            record_entry(self.sibling, AT, source="face")  # grade 7: not on the TV
        page = self.get(self.canteen, "canteen:tv")
        self.assertContains(page, 'hx-trigger="every 2s"')
        self.assertContains(page, "sitting 1, shift 1")
        self.assertContains(page, "<b>1</b><span>/ 3</span>", html=False)
        self.assertContains(page, "Аружан А.")
        self.assertNotContains(page, "Нұрлан")  # the grade-7 sibling
        self.assertNotContains(page, "7Б")
        self.assertNotContains(page, "Ахметова Аружан")  # never the full name
        label = str(CategoryAssignment(category="asp").get_category_display())
        self.assertNotContains(page, label)
        self.assertEqual(
            AuditEvent.objects.filter(action="view", object_type="canteen.tv").count(), 1
        )
        # The fragment the TV polls: updated counts, no page chrome, no audit row per poll.
        with time_machine.travel(LUNCH, tick=False):
            record_entry(self.third[1], AT, source="api")
        board = self.get(self.canteen, "canteen:tv_board")
        self.assertContains(board, "<b>2</b><span>/ 3</span>", html=False)
        self.assertContains(board, "Дана С.")
        self.assertNotContains(board, "<html")
        self.assertEqual(board["Cache-Control"].split(", ")[0], "max-age=0")
        self.assertEqual(
            AuditEvent.objects.filter(action="view", object_type="canteen.tv").count(), 1
        )

    def test_the_last_children_entering_newest_first(self):
        with time_machine.travel(LUNCH, tick=False):
            for n, p in enumerate(self.third):
                record_entry(p, AT + dt.timedelta(seconds=n), source="face")
        b = boards.board(canteen_of(self.school.pk), AT + dt.timedelta(minutes=2))
        self.assertEqual([r.name for r in b.recent], ["Әсел С.", "Дана С.", "Аружан А."])
        self.assertEqual((b.entered, b.expected), (3, 3))
        self.assertTrue(b.tiles[0].done)

    def test_after_the_last_sitting_every_universal_class_is_shown(self):
        with time_machine.travel("2026-11-23 18:00 +05:00", tick=False):
            self.client.force_login(self.director)
            page = self.client.get(reverse("canteen:tv"))
        self.assertContains(page, "No more sittings today")
        self.assertContains(page, 'data-testid="tile-3А"')

    def test_the_class_teacher_sees_who_entered_and_who_not_yet(self):
        with time_machine.travel(LUNCH, tick=False):
            record_entry(self.pupil, AT, source="face")
        with time_machine.travel(LUNCH, tick=False):
            self.client.force_login(self.teacher)
            page = self.client.get(reverse("canteen:class_view", args=[self.klass.pk]))
        self.assertContains(page, "Ахметова Аружан")  # entered
        self.assertContains(page, 'data-testid="class-entered">1<')
        self.assertContains(page, "Серікова Дана")  # not yet
        self.assertContains(page, "Mark entered")
        self.assertTrue(
            AuditEvent.objects.filter(action="view", object_type="registry.schoolclass").exists()
        )

    def test_a_category_grade_shows_only_who_entered(self):
        with time_machine.travel(LUNCH, tick=False):
            record_entry(self.sibling, AT, source="face")
            self.client.force_login(self.pedagog)
            page = self.client.get(reverse("canteen:class_view", args=[self.other_class.pk]))
        self.assertContains(page, "Нұрлан")
        self.assertNotContains(page, "Иванов")  # no voucher list of who is expected
        self.assertContains(page, "the list of who is expected is not shown")

    def test_who_may_open_the_class_view(self):
        url = reverse("canteen:class_view", args=[self.klass.pk])
        for user, code in ((self.teacher, 200), (self.director, 200), (self.canteen, 404),
                           (self.parent, 404), (self.outsider, 404), (self.board, 404)):  # fmt: skip
            self.client.force_login(user)
            self.assertEqual(self.client.get(url).status_code, code, user)
        self.assertEqual(Entry.objects.count(), 0)
