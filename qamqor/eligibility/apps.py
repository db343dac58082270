from django.apps import AppConfig


class EligibilityConfig(AppConfig):
    name = "qamqor.eligibility"
    label = "eligibility"
