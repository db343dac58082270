from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "qamqor.audit"
    label = "audit"
