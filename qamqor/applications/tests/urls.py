"""The project's URLs, plus the applications router on an API of its own while qamqor/api.py
does not mount it yet (mounting is the lead's edit). Once mounted this is the project's urlconf."""

from __future__ import annotations

from django.urls import path
from ninja import NinjaAPI

from qamqor import api as project_api
from qamqor.accounts.api_auth import API_AUTH
from qamqor.applications.api import router
from qamqor.urls import urlpatterns as project_urls

# ninja keeps the mounted routers in a private list; this is test scaffolding only.
MOUNTED = any(entry[1] is router for entry in project_api.api._router_registrations)

if MOUNTED:
    urlpatterns = list(project_urls)
else:
    applications_api = NinjaAPI(
        urls_namespace="applications_test_api", auth=API_AUTH, docs_url=None
    )
    for exc_class, handler in project_api.api._exception_handlers.items():
        applications_api.add_exception_handler(exc_class, handler)
    applications_api.add_router("/v1/", router)
    urlpatterns = [path("api/", applications_api.urls), *project_urls]
