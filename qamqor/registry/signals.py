"""A new school gets its meal-QR signing key when it is set up (core.signing), so the key
set a canteen terminal downloads before the day's first QR already holds the key that will
sign it. `GET /api/v1/canteen/keys` only reads; `qamqor rotate_keys` makes the next keys."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from qamqor.core import signing

from .models import School


@receiver(post_save, sender=School)
def give_a_new_school_its_key(sender: type[School], instance: School, created: bool, raw: bool = False, **kwargs: Any) -> None:  # fmt: skip
    if created and not raw:  # raw: a fixture being loaded brings its own keys, or none
        signing.ensure_key(instance.pk, signing.MEAL_QR)
