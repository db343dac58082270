"""Copy each existing event's actor into the text columns (username and role).

The role is the user's roles in the event's school (through a district membership too),
or all of them for an event of no school, as `audit.services.actor_role` writes it now.
One UPDATE per user and per (user, school): the trail may be long, its actors are few.
"""

from collections import defaultdict

from django.db import migrations


def backfill(apps, schema_editor):
    AuditEvent = apps.get_model("audit", "AuditEvent")
    User = apps.get_model("accounts", "User")
    Membership = apps.get_model("accounts", "Membership")
    School = apps.get_model("registry", "School")
    user_ids = set(
        AuditEvent.objects.filter(actor_username="", user__isnull=False)
        .order_by()
        .values_list("user_id", flat=True)
        .distinct()
    )
    for user in User.objects.filter(pk__in=user_ids).only("username", "is_superuser"):
        roles_by_school = defaultdict(set)
        district_roles = defaultdict(set)
        for role, school_id, district_id in Membership.objects.filter(user=user).values_list(
            "role", "school_id", "district_id"
        ):
            if school_id:
                roles_by_school[school_id].add(role)
            elif district_id:
                district_roles[district_id].add(role)
        if district_roles:
            for school_id, district_id in School.objects.filter(
                district_id__in=district_roles
            ).values_list("id", "district_id"):
                roles_by_school[school_id] |= district_roles[district_id]
        prefix = ["superuser"] if user.is_superuser else []

        def text(roles, prefix=prefix):
            return ",".join(prefix + sorted(roles))[:100]

        events = AuditEvent.objects.filter(user_id=user.pk, actor_username="")
        school_ids = set(
            events.exclude(school_id=None).order_by().values_list("school_id", flat=True).distinct()
        )
        for school_id in school_ids:
            events.filter(school_id=school_id).update(
                actor_username=user.username,
                actor_role=text(roles_by_school.get(school_id, set())),
            )
        everywhere = set().union(*roles_by_school.values()) if roles_by_school else set()
        events.update(actor_username=user.username, actor_role=text(everywhere))


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0003_actor_as_text"),
        ("accounts", "0003_membership_organisation_bin"),
        ("registry", "0002_exchange"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
