"""Helpers the pages share: paging, a list's filters."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest


def paginate(request: HttpRequest, qs: Any, size: int = 50) -> tuple[Any, str]:
    """The requested page and the query string without `page` (for the pager's links)."""
    page = Paginator(qs, size).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return page, query.urlencode()


def filter_chosen(qs: Any, data: dict[str, Any], *names: str) -> Any:
    """`qs` filtered on each of the filter form's fields `names` that has a value (blank: all)."""
    for name in names:
        if data[name]:
            qs = qs.filter(**{name: data[name]})
    return qs
