"""The JSON API under /api/v1/ (OpenAPI at /api/docs)."""

from __future__ import annotations

from django.db import DataError
from django.http import Http404, HttpRequest
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError, HttpError, ValidationError

from qamqor.accounts.api import router as accounts_router
from qamqor.accounts.api_auth import API_AUTH, SessionAuth
from qamqor.aid.api import router as aid_router
from qamqor.applications.api import router as applications_router
from qamqor.canteen.api.entry import router as entry_router
from qamqor.canteen.api.scanner import router as scanner_router
from qamqor.core.api import TEXT_ERRORS, BadInput, DocumentedAPI, ObjectParser
from qamqor.core.api import router as core_router
from qamqor.core.errors import ServiceError
from qamqor.eligibility.api import router as eligibility_router
from qamqor.meals.api.canteen import router as canteen_router
from qamqor.meals.api.lists import router as meal_lists_router
from qamqor.meals.api.meal_reports import router as meal_reports_router
from qamqor.meals.api.wallet import router as wallet_router
from qamqor.meals.canteen_auth import CanteenBearer
from qamqor.registry.api import router as registry_router
from qamqor.reports.api import router as reports_router

api = DocumentedAPI(
    title="Qamqor API",
    version="1",
    urls_namespace="api",
    auth=API_AUTH,
    docs_url="/docs",
    openapi_url="/openapi.json",
    parser=ObjectParser(),
    csrf_auth=(SessionAuth,),
    not_found_auth=(CanteenBearer,),
)


def _error(request: HttpRequest, status: int, code: str, message: str, **extra: object):
    """Every error answer has this one shape (ErrorOut): a code, words, maybe a detail."""
    return api.create_response(request, {"code": code, "message": message, **extra}, status=status)


@api.exception_handler(ServiceError)
def on_service_error(request: HttpRequest, exc: ServiceError):
    """Services raise, this answers: no endpoint translates a refusal itself."""
    return api.create_response(request, exc.payload(), status=exc.status)


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError):
    # A refusal of the text itself keeps its own code and words (the field is in `detail`).
    ours = next((e for e in exc.errors if e.get("type") in TEXT_ERRORS), None)
    code, message = (
        (ours["type"], ours["msg"]) if ours else ("invalid", _("The request is not valid."))
    )
    return _error(request, 422, code, message, detail=exc.errors)


@api.exception_handler(AuthenticationError)
def on_auth_error(request: HttpRequest, exc: AuthenticationError):
    return _error(request, 401, "unauthorized", _("Sign in or send a valid token."))


def _unreadable(request: HttpRequest):
    return _error(request, 400, "bad_request", _("The request body cannot be read."))


@api.exception_handler(BadInput)
def on_bad_input(request: HttpRequest, exc: BadInput):
    message = exc.message()
    detail = [{"type": type(exc).__name__, "loc": list(exc.loc), "msg": message}]
    return _error(request, 422, exc.code, message, detail=detail)


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError):
    if isinstance(exc.__cause__, BadInput):  # raised while django-ninja parsed the body
        return on_bad_input(request, exc.__cause__)
    if exc.status_code == 400:  # django-ninja: the body is not JSON
        return _unreadable(request)
    return _error(request, exc.status_code, "error", str(exc))


# Data exceptions that only input causes: a number past the column's range (PostgreSQL
# 22003; SQLite's driver raises OverflowError), a time past it (22008), a text too long (22001).
OUT_OF_RANGE = {"22001", "22003", "22008"}


@api.exception_handler(OverflowError)
@api.exception_handler(DataError)
def on_out_of_range(request: HttpRequest, exc: Exception):
    cause = exc.__cause__ if isinstance(exc, DataError) else None
    if isinstance(exc, DataError) and getattr(cause, "sqlstate", None) not in OUT_OF_RANGE:
        raise exc
    return _error(request, 422, "invalid", _("A value in the request is out of range."))


@api.exception_handler(MultiPartParserError)
def on_multipart_error(request: HttpRequest, exc: MultiPartParserError):
    # A multipart body without a boundary, or cut short.
    return _unreadable(request)


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404):
    return _error(request, 404, "not_found", _("Not found, or you have no access to it."))


# The canteen router first: its scan endpoints are the hot path (DESIGN.md).
ROUTERS = (
    canteen_router,
    core_router,
    accounts_router,
    registry_router,
    reports_router,
    eligibility_router,
    applications_router,
    scanner_router,
    entry_router,
    meal_lists_router,
    meal_reports_router,
    wallet_router,
    aid_router,
)
for _router in ROUTERS:
    api.add_router("/v1/", _router)
