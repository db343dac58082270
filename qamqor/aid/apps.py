import datetime as dt

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AidConfig(AppConfig):
    name = "qamqor.aid"
    label = "aid"
    verbose_name = _("universal education fund aid")

    def ready(self) -> None:
        from qamqor.core import schedule

        schedule.register("aid_reminders", dt.timedelta(hours=6))
