from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from qamqor.api import api
from qamqor.reports.views import home

urlpatterns = [
    # First: the canteen scans arrive here by the thousand; no other pattern is tried first.
    path("api/", api.urls),
    path("", home, name="home"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("qamqor.accounts.urls")),
    path("registry/", include("qamqor.registry.urls")),
    path("eligibility/", include("qamqor.eligibility.urls")),
    path("services/", include("qamqor.applications.urls")),
    path("reports/", include("qamqor.reports.urls")),
    path("meals/", include("qamqor.meals.urls")),
    path("aid/", include("qamqor.aid.urls")),
    path("canteen/", include("qamqor.canteen.urls")),
    path("audit/", include("qamqor.audit.urls")),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:
    # Uploaded files are served only through access-checked views, never as static media.
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()
