"""Helpers the pages share: a list's filters (paging is core.views.paginate)."""

from __future__ import annotations

from typing import Any


def filter_chosen(qs: Any, data: dict[str, Any], *names: str) -> Any:
    """`qs` filtered on each of the filter form's fields `names` that has a value (blank: all)."""
    for name in names:
        if data[name]:
            qs = qs.filter(**{name: data[name]})
    return qs
