"""Helpers the pages share: explaining a refusal on a form, paging."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest

from ..services import ApplicationError


def explain(form: Any, exc: ApplicationError) -> None:
    """Put a service's refusal next to the field it concerns, or above the form."""
    field = exc.field if exc.field in getattr(form, "fields", {}) else None
    form.add_error(field, exc.message)


def paginate(request: HttpRequest, qs: Any, size: int = 50) -> tuple[Any, str]:
    """The requested page and the query string without `page` (for the pager's links)."""
    page = Paginator(qs, size).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return page, query.urlencode()
