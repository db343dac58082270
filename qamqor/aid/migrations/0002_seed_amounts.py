"""The aid amount per child for 2024–2026: the year's subsistence minimum (DOMAIN.md).

Seed 000 names 2024's aid, «43 мың 407 теңге», equal to that year's subsistence minimum
(ең төменгі күнкөріс деңгейі) set by the republican budget law; 2025 and 2026 follow the
budget laws for those years. An administrator edits or adds years in the admin.
"""

from django.db import migrations

AMOUNTS = [
    (
        2024,
        43407,
        "Закон РК о республиканском бюджете на 2024–2026 годы: прожиточный минимум 43 407 ₸; "
        "seed 000: «43 мың 407 теңге»",
    ),
    (
        2025,
        46228,
        "Закон РК о республиканском бюджете на 2025–2027 годы: прожиточный минимум 46 228 ₸",
    ),
    (
        2026,
        50851,
        "Закон РК о республиканском бюджете на 2026–2028 годы: прожиточный минимум 50 851 ₸",
    ),
]


def seed(apps, schema_editor):
    AidAmount = apps.get_model("aid", "AidAmount")
    for year, amount, source in AMOUNTS:
        # An amount an administrator already entered wins.
        AidAmount.objects.get_or_create(year=year, defaults={"amount": amount, "source": source})


def unseed(apps, schema_editor):
    AidAmount = apps.get_model("aid", "AidAmount")
    for year, amount, _source in AMOUNTS:
        AidAmount.objects.filter(year=year, amount=amount).delete()


class Migration(migrations.Migration):
    dependencies = [("aid", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
