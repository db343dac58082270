"""Adapters chosen by setting: the SMS gateway, the state's verification service, the civil
registry... An app names the interface (a `Protocol`) and a setting holding a dotted path;
`adapter(setting)` gives an instance of the class the setting names.

The class is imported once per path (an import costs more than a request should pay); a new
instance is made per call, so an adapter keeps no state between requests.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string


@cache
def _adapter_class(path: str) -> Any:
    return import_string(path)


def adapter(setting: str) -> Any:
    """An instance of the class named by `settings.<setting>`."""
    return _adapter_class(getattr(settings, setting))()
