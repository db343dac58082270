"""How a page shows a service's refusal (core.errors.ServiceError): on the form it concerns,
or as a message after a button. Views call these instead of catching errors themselves."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, TypeAlias

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from .errors import ServiceError

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

# The success words (lazy ones in a view declared at import), or a function of what the
# service returned that gives them.
Success: TypeAlias = "str | StrPromise | Callable[[Any], str]"


def _words(success: Success, result: Any) -> str | StrPromise:
    return success(result) if callable(success) else success


def explain(form: Any, exc: ServiceError) -> None:
    """Put a service's refusal next to the field it concerns, or above the form."""
    field = exc.field if exc.field in getattr(form, "fields", {}) else None
    form.add_error(field, exc.message)


def act(
    request: HttpRequest,
    form: Any,
    call: Callable[[dict[str, Any]], Any],
    *,
    success: Success,
    then: str | Callable[[Any], str],
    again: Callable[[Any], HttpResponse],
    refresh: Any = None,
    status: int = 422,
) -> HttpResponse:
    """A posted form: `call(cleaned_data)` → the success message and a redirect to `then`
    (a URL, or a function of the result); an invalid form or a refusal → `again(form)`, the
    page with the error on the form, answered `status`. `refresh` is the record the page
    shows: read again after a refusal, as the service may have changed it in memory before
    refusing (its transaction rolled back the row, not the object)."""
    if form.is_valid():
        try:
            result = call(form.cleaned_data)
        except ServiceError as exc:
            if refresh is not None:
                refresh.refresh_from_db()
            explain(form, exc)
        else:
            messages.success(request, _words(success, result))
            return redirect(then(result) if callable(then) else then)
    response = again(form)
    response.status_code = status
    return response


@dataclass(frozen=True)
class RecordPage:
    """A record's page that carries several forms (decide, refuse, upload…), each posted to
    its own view: `view` is the page's URL name (taking the record's pk), `context(request,
    record, **forms)` its context, where a form passed by name replaces the blank one;
    `fetch(request, pk, write=False)` the record through accounts.access (404 without it),
    for the views `form_view` and `button_view` make."""

    view: str
    template: str
    context: Callable[..., dict[str, Any]]
    fetch: Callable[..., Any] | None = None

    def act(
        self,
        request: HttpRequest,
        record: Any,
        name: str,
        form: Any,
        call: Callable[[dict[str, Any]], Any],
        success: Success,
    ) -> HttpResponse:
        """`act` for one of the page's forms: back to the page, or the page again with it."""
        return act(
            request,
            form,
            call,
            success=success,
            then=reverse(self.view, args=[record.pk]),
            again=lambda f: render(
                request, self.template, self.context(request, record, **{name: f})
            ),
            refresh=record,
        )

    def show(self, request: HttpRequest, record: Any) -> HttpResponse:
        """The page itself, its forms blank (a GET of `view`)."""
        return render(request, self.template, self.context(request, record))

    def page_view(
        self, seen: Callable[[Any, Any], Any], fetch: Callable[..., Any] | None = None
    ) -> Callable[..., HttpResponse]:
        """The page's GET view (`pk` in its URL): the record by `fetch`, by default the page's
        fetch for reading, shown once `seen(user, record)` has recorded the read (audit's
        `record_view`, passed in because core imports no app)."""
        get = self._fetcher(fetch, write=False)

        @login_required
        @require_GET
        def view(request: HttpRequest, pk: int) -> HttpResponse:
            return self.show(request, seen(request.user, get(request, pk)))

        return view

    def attempt(
        self, request: HttpRequest, record: Any, call: Callable[[], Any], success: Success
    ) -> HttpResponse:
        """`attempt` for one of the page's buttons, then back to the page either way."""
        attempt(request, call, success)
        return redirect(self.view, record.pk)

    def _fetcher(self, fetch: Callable[..., Any] | None, write: bool = True) -> Callable[..., Any]:
        if fetch is not None:
            return fetch
        if self.fetch is None:
            raise TypeError(f"the RecordPage of {self.view} makes views: it needs its fetch")
        return partial(self.fetch, write=True) if write else self.fetch

    def form_view(
        self,
        name: str,
        form: Callable[..., Any],
        call: Callable[[Any, Any, dict[str, Any]], Any],
        success: Success,
        fetch: Callable[..., Any] | None = None,
    ) -> Callable[..., HttpResponse]:
        """The view a form of the page posts to (`pk` in its URL): `form(request.POST,
        request.FILES)` → `call(user, record, cleaned_data)`, then `act`. The record is
        `fetch(request, pk)`, by default the page's fetch for writing."""
        get = self._fetcher(fetch)

        @login_required
        @require_POST
        def view(request: HttpRequest, pk: int) -> HttpResponse:
            record, bound = get(request, pk), form(request.POST, request.FILES)
            return self.act(
                request, record, name, bound, partial(call, request.user, record), success
            )

        return view

    def button_view(
        self,
        call: Callable[[Any, Any], Any],
        success: Success,
        fetch: Callable[..., Any] | None = None,
    ) -> Callable[..., HttpResponse]:
        """The view a button of the page posts to: `call(user, record)`, then `attempt`."""
        get = self._fetcher(fetch)

        @login_required
        @require_POST
        def view(request: HttpRequest, pk: int) -> HttpResponse:
            record = get(request, pk)
            return self.attempt(request, record, partial(call, request.user, record), success)

        return view


def attempt(request: HttpRequest, call: Callable[[], Any], success: Success | None) -> bool:
    """A button (no form to re-render): `call()`, then its success message (if any), or its
    refusal as an error message. True when the service did it; the caller answers either way."""
    try:
        result = call()
    except ServiceError as exc:
        messages.error(request, exc.message)
        return False
    if success is not None:
        messages.success(request, _words(success, result))
    return True


# --- lists ---------------------------------------------------------------------------------


def paginate(
    request: HttpRequest, rows: Any, size: int | None = None, number: Any = None
) -> tuple[Page, str]:
    """The requested page (`?page=`, or `number` when a filter form has cleaned it) of
    settings.PAGE_SIZE rows, and the filters without `page=` for `_pager.html`'s links."""
    page = Paginator(rows, size or settings.PAGE_SIZE).get_page(number or request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return page, query.urlencode()
