import datetime as dt

from django.apps import AppConfig


class CanteenConfig(AppConfig):
    name = "qamqor.canteen"
    label = "canteen"

    def ready(self) -> None:
        from qamqor.core import schedule

        # Issue 4: entries at the door against meals served, per class (yesterday by default).
        schedule.register("canteen_crosscheck", dt.timedelta(hours=6))
