"""The declarative access policies: every one builds a query, and the narrowed reads keep to
what they name. Each app's role matrix tests what each policy grants."""

from __future__ import annotations

from django.apps import apps

from qamqor.accounts.access import Policy, get_for_user, visible
from qamqor.registry.models import Pupil, SchoolClass
from qamqor.testing import PersonaTestCase


class PolicyTests(PersonaTestCase):
    def test_every_policy_builds_a_query_for_every_persona(self):
        # A wrong field path in a Policy only fails once a query is built.
        models = [m for m in apps.get_models() if isinstance(getattr(m, "access", None), Policy)]
        self.assertGreater(len(models), 20)
        for name in self.PERSONAS:
            user = getattr(self, name)
            for model in models:
                for narrowed in ({}, {"write": True}, {"staff": True}, {"parent": True}):
                    visible(user, model, **narrowed).count()

    def test_a_parent_reads_their_children_as_a_parent_only(self):
        children = visible(self.parent, Pupil, parent=True)
        self.assertEqual({p.pk for p in children}, {self.pupil.pk, self.sibling.pk})
        self.assertFalse(visible(self.parent, Pupil, staff=True).exists())
        self.assertFalse(visible(self.pedagog, Pupil, parent=True).exists())

    def test_a_class_teacher_reads_their_class_but_writes_nothing(self):
        self.assertEqual(get_for_user(self.teacher, SchoolClass, self.klass.pk), self.klass)
        self.assertFalse(visible(self.teacher, SchoolClass, write=True).exists())
        self.assertFalse(visible(self.teacher, SchoolClass, staff=True).exists())
