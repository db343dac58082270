from django.apps import AppConfig


class CanteenConfig(AppConfig):
    name = "qamqor.canteen"
    label = "canteen"
