from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "qamqor.core"
    label = "core"
