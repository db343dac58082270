import datetime as dt

from django.apps import AppConfig


class MealsConfig(AppConfig):
    name = "qamqor.meals"
    label = "meals"

    def ready(self) -> None:
        from qamqor.core import schedule

        # seed 004 step 7: the daily report of vouchers and meals (recomputed through the day,
        # so the pages show today's figures; the command also redoes the last 7 days for late
        # offline scans).
        schedule.register("meals_daily_report", dt.timedelta(minutes=15))
