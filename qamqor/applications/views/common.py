"""Helpers the pages share: paging."""

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
