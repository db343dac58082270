from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "qamqor.reports"
    label = "reports"
