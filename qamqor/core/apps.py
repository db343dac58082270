from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "qamqor.core"
    label = "core"

    def ready(self) -> None:
        from . import collation  # noqa: F401  (registers the SQLite collation)
        from .limits import apply_image_limit

        apply_image_limit()
        _refuse_control_characters_in_every_form()


def _refuse_control_characters_in_every_form() -> None:
    """Every text field of every form (the pages, the admin) refuses control characters, as
    Django itself refuses NUL in each one: one place rather than a validator per field in
    each app. Tabs and line breaks pass (a textarea has them); the registry's one-line fields
    refuse those too, on the model. The API's schemas check the same (core.api.TextIn)."""
    from django import forms

    from .validators import validate_multiline

    if validate_multiline not in forms.CharField.default_validators:
        forms.CharField.default_validators = [
            *forms.CharField.default_validators,
            validate_multiline,
        ]
