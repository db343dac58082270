from django.apps import AppConfig


class SandboxConfig(AppConfig):
    name = "qamqor.sandbox"
    label = "sandbox"
