import datetime as dt

from django.urls import reverse

from qamqor.audit.models import AuditEvent
from qamqor.core import ids
from qamqor.registry.models import Family, Pupil
from qamqor.registry.selectors import family_figures, pupil_queryset
from qamqor.testing import PersonaTestCase, make_pupil


class PupilRules(PersonaTestCase):
    def test_iin_must_agree_with_birth_date_and_sex(self):
        iin = ids.make_iin(dt.date(2015, 1, 2), "M", 77)
        pupil = Pupil(iin=iin, birth_date=dt.date(2015, 1, 2), sex="M")
        self.assertEqual(pupil.iin_errors(), [])
        pupil.birth_date = dt.date(2015, 1, 3)
        self.assertEqual(pupil.iin_errors(), ["iin_birth_date_mismatch"])
        pupil.birth_date, pupil.sex = dt.date(2015, 1, 2), "F"
        self.assertEqual(pupil.iin_errors(), ["iin_sex_mismatch"])
        pupil.iin = iin[:-1] + str((int(iin[-1]) + 1) % 10)
        self.assertEqual(pupil.iin_errors(), ["iin_checksum"])

    def test_per_capita_income(self):
        self.assertEqual(Family.per_capita(130_000, 4), 32_500)
        self.assertEqual(Family.per_capita(100, 0), 0)
        # pupil + sibling + the guardian living with them; one salary of 90 000
        self.assertEqual(
            family_figures(self.family), {"members": 3, "income": 90_000, "per_capita": 30_000}
        )


class PupilListPage(PersonaTestCase):
    def test_search_by_name_and_iin_prefix(self):
        self.login(self.pedagog)
        response = self.client.get(reverse("registry:pupils"), {"q": "Иван"})
        self.assertContains(response, "Иванов Иван")
        self.assertNotContains(response, "Аружан")
        response = self.client.get(reverse("registry:pupils"), {"q": self.pupil.iin[:8]})
        self.assertContains(response, self.pupil.full_name)

    def test_htmx_returns_only_the_results(self):
        self.login(self.pedagog)
        response = self.client.get(reverse("registry:pupils"), {"grade": 7}, HTTP_HX_REQUEST="true")
        self.assertNotContains(response, "<html")
        self.assertContains(response, "Иванов")
        self.assertNotContains(response, "Аружан")

    def test_other_school_is_invisible(self):
        self.login(self.pedagog)
        self.assertNotContains(self.client.get(reverse("registry:pupils")), "Сейтқали")
        self.login(self.outsider)
        response = self.client.get(reverse("registry:pupils"))
        self.assertContains(response, "Сейтқали")
        self.assertNotContains(response, "Иванов")

    def test_teacher_sees_only_their_class(self):
        self.login(self.teacher)
        response = self.client.get(reverse("registry:pupils"))
        self.assertContains(response, self.pupil.full_name)
        self.assertNotContains(response, "Иванов")

    def test_pagination_and_sort(self):
        for i in range(60):
            make_pupil(self.school, self.other_class, surname=f"Ярова{i:02d}")
        self.login(self.pedagog)
        response = self.client.get(reverse("registry:pupils"), {"sort": "-name"})
        self.assertContains(response, "Ярова59")
        self.assertContains(response, 'rel="next"')
        page2 = self.client.get(reverse("registry:pupils"), {"sort": "-name", "page": 2})
        self.assertContains(page2, "Ахметова")

    def test_query_count_does_not_grow_with_the_page(self):
        for i in range(40):
            make_pupil(self.school, self.other_class, surname=f"Ярова{i:02d}")
        self.login(self.pedagog)
        self.client.get(reverse("registry:pupils"))
        with self.assertNumQueries(10) as ctx:  # noqa: F841 (+1: the audit row)
            self.client.get(reverse("registry:pupils"))

    def test_the_list_view_is_audited_once_with_the_pupils_shown(self):
        self.login(self.pedagog)
        self.client.get(reverse("registry:pupils"))
        event = AuditEvent.objects.get()
        self.assertEqual(
            (event.user, event.school_id, event.action, event.object_type),
            (self.pedagog, self.school.pk, "view", "registry.pupil"),
        )
        self.assertEqual(event.count, 3)
        self.assertEqual(set(event.object_ids), {self.pupil.pk, self.sibling.pk, self.stranger.pk})


class PupilCardPage(PersonaTestCase):
    def test_card_view_is_audited(self):
        self.login(self.pedagog)
        response = self.client.get(reverse("registry:pupil", args=[self.pupil.pk]))
        self.assertContains(response, self.pupil.full_name)
        event = AuditEvent.objects.get(action="view")
        self.assertEqual(
            (event.user, event.object_id, event.school_id),
            (self.pedagog, str(self.pupil.pk), self.school.pk),
        )

    def test_parent_sees_own_children_only(self):
        self.login(self.parent)
        self.assertEqual(
            self.client.get(reverse("registry:pupil", args=[self.pupil.pk])).status_code, 200
        )
        self.assertEqual(
            self.client.get(reverse("registry:pupil", args=[self.sibling.pk])).status_code, 200
        )
        self.assertEqual(
            self.client.get(reverse("registry:pupil", args=[self.stranger.pk])).status_code, 404
        )
        self.assertContains(self.client.get(reverse("registry:my_children")), self.sibling.name)

    def test_edit_form_explains_iin_mismatch_and_saves_nothing(self):
        self.login(self.pedagog)
        url = reverse("registry:pupil_edit", args=[self.stranger.pk])
        data = {
            "iin": self.stranger.iin,
            "surname": "Петров",
            "name": "Иван",
            "patronymic": "Петрович",
            "birth_date": "2001-01-01",
            "sex": "M",
            "school_class": self.other_class.pk,
            "family": self.stranger.family_id,
            "status": "active",
        }
        response = self.client.post(url, data)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, 'data-testid="error-birth_date"')
        self.stranger.refresh_from_db()
        self.assertEqual(self.stranger.surname, "Иванов")
        data["birth_date"] = self.stranger.birth_date.isoformat()
        response = self.client.post(url, data)
        self.assertEqual(response.status_code, 302)
        self.stranger.refresh_from_db()
        self.assertEqual(self.stranger.surname, "Петров")
        event = AuditEvent.objects.get(action="update")
        self.assertEqual(event.fields, ["surname"])

    def test_create_pupil_fills_birth_date_and_sex_from_iin(self):
        self.login(self.pedagog)
        iin = ids.make_iin(dt.date(2016, 5, 4), "M", 4242)
        response = self.client.post(
            reverse("registry:pupil_new"),
            {
                "school": self.school.pk,
                "iin": iin,
                "surname": "Беков",
                "name": "Әли",
                "school_class": self.klass.pk,
                "status": "active",
            },
        )
        self.assertEqual(response.status_code, 302)
        pupil = Pupil.objects.get(iin=iin)
        self.assertEqual((pupil.birth_date, pupil.sex), (dt.date(2016, 5, 4), "M"))

    def test_bad_iin_is_explained_in_kazakh_and_russian(self):
        self.login(self.pedagog)
        for lang in ("kk", "ru"):
            self.client.cookies["qamqor_language"] = lang
            response = self.client.post(
                reverse("registry:pupil_new"),
                {
                    "school": self.school.pk,
                    "iin": "123456789012",
                    "surname": "А",
                    "name": "Б",
                    "status": "active",
                },
            )
            self.assertEqual(response.status_code, 200)
            self.assertContains(response, 'data-testid="error-iin"')
        self.assertFalse(Pupil.objects.filter(iin="123456789012").exists())

    def test_family_card_with_members_and_incomes(self):
        self.login(self.pedagog)
        response = self.client.get(reverse("registry:family", args=[self.family.pk]))
        self.assertContains(response, self.guardian.full_name)
        self.assertContains(response, "30")  # per member
        self.client.post(
            reverse("registry:income_add", args=[self.family.pk]),
            {"source": "alimony", "monthly_amount": 30000, "earner": ""},
        )
        self.assertEqual(family_figures(self.family)["income"], 120000)
        self.client.post(
            reverse("registry:member_add", args=[self.family.pk]),
            {"full_name": "Ахметов Ерлан", "relation": "інісі", "birth_date": "2023-01-01"},
        )
        self.assertEqual(family_figures(self.family)["members"], 4)

    def test_guardian_iban_is_checked(self):
        self.login(self.pedagog)
        url = reverse("registry:guardian_new", args=[self.family.pk])
        data = {
            "iin": ids.make_iin(dt.date(1980, 1, 1), "M", 5),
            "surname": "Ахметов",
            "name": "Серік",
            "patronymic": "",
            "relation": "father",
            "phone": "",
            "iban": "KZ00722000000000000001",
            "lives_with_family": "on",
        }
        response = self.client.post(url, data)
        self.assertContains(response, 'data-testid="error-iban"')
        data["iban"] = ids.make_iban_kz("722", "1")
        self.assertEqual(self.client.post(url, data).status_code, 302)
        self.assertEqual(self.family.guardians.count(), 2)

    def test_writes_need_the_writer_role(self):
        for user in (self.director, self.teacher, self.parent, self.outsider, self.canteen):
            self.login(user)
            url = reverse("registry:pupil_edit", args=[self.pupil.pk])
            self.assertEqual(self.client.get(url).status_code, 404, user.username)


class CategoryPrivacy(PersonaTestCase):
    """A child's category is for its school's category readers: the pupil list's badges and
    its category filter would tell it to a teacher (whose class the child is in) as well."""

    def setUp(self):
        super().setUp()
        # Through the relation, as the registry's views reach the eligibility app.
        assignments = Pupil._meta.get_field("categories").related_model
        assignments.objects.create(
            school=self.school,
            pupil=self.pupil,
            category="asp",
            status="confirmed",
            received_at=dt.datetime(2026, 9, 1, 10, 0, tzinfo=dt.UTC),
            counted_from=dt.date(2026, 9, 1),
            due_date=dt.date(2026, 9, 22),
        )

    def test_only_category_readers_may_filter_by_category(self):
        self.assertEqual(list(pupil_queryset(self.pedagog, {"category": "asp"})), [self.pupil])
        self.assertIn(self.pupil, pupil_queryset(self.teacher, {}))
        self.assertEqual(list(pupil_queryset(self.teacher, {"category": "asp"})), [])

    def test_the_list_shows_category_badges_to_category_readers_only(self):
        def badges(user):  # noqa: ANN001, ANN202
            self.login(user)
            context = self.client.get(reverse("registry:pupils")).context
            shown = {p.pk: p.badges for p in context["page"].object_list}
            return context["show_categories"], shown[self.pupil.pk]

        shown, pupil_badges = badges(self.pedagog)
        self.assertTrue(shown)
        self.assertEqual(len(pupil_badges), 1)
        self.assertEqual(badges(self.teacher), (False, []))
