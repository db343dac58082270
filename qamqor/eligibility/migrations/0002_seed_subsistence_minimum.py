"""Seed the subsistence minimum of the republican budget law (DOMAIN.md, seed 000)."""

from django.db import migrations

OFFICIAL = {2024: 43407, 2025: 46228, 2026: 50851}


def seed(apps, schema_editor):
    model = apps.get_model("eligibility", "SubsistenceMinimum")
    for year, amount in OFFICIAL.items():
        model.objects.get_or_create(
            year=year,
            region=None,
            defaults={"amount": amount, "source": "республикалық бюджет туралы заң"},
        )


def unseed(apps, schema_editor):
    apps.get_model("eligibility", "SubsistenceMinimum").objects.filter(
        year__in=OFFICIAL, region=None
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("eligibility", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
