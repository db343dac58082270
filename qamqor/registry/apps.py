from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "qamqor.registry"
    label = "registry"

    def ready(self) -> None:
        from . import signals  # noqa: F401 -- connects the receivers
