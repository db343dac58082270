from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "qamqor.core"
    label = "core"

    def ready(self) -> None:
        from . import collation  # noqa: F401  (registers the SQLite collation)
        from .limits import apply_image_limit

        apply_image_limit()
