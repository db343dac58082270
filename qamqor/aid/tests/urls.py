"""The project's URLs, plus the aid router on an API of its own while qamqor/api.py does not
mount it yet (mounting is the lead's edit). Once it is mounted this is the project's urlconf."""

from __future__ import annotations

from django.urls import path
from ninja import NinjaAPI

from qamqor import api as project_api
from qamqor.accounts.api_auth import API_AUTH
from qamqor.aid.api import router
from qamqor.urls import urlpatterns as project_urls

# ninja keeps the mounted routers in a private list; this is test scaffolding only.
MOUNTED = any(entry[1] is router for entry in project_api.api._router_registrations)

if MOUNTED:
    urlpatterns = list(project_urls)
else:
    aid_api = NinjaAPI(urls_namespace="aid_test_api", auth=API_AUTH, docs_url=None)
    for exc_class, handler in project_api.api._exception_handlers.items():
        aid_api.add_exception_handler(exc_class, handler)
    aid_api.add_router("/v1/", router)
    urlpatterns = [path("api/", aid_api.urls), *project_urls]
