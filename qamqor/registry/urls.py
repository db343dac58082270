from django.urls import include, path

from . import views
from .exchange import views as exchange

# The НОБД exchange keeps its own namespace under the registry's: registry:exchange:upload.
exchange_patterns = [
    path("", exchange.upload, name="upload"),
    path("export/", exchange.export, name="export"),
    path("template.xlsx", exchange.template, name="template"),
    path("jobs/<int:pk>/", exchange.job_page, name="job"),
    path("jobs/<int:pk>/progress/", exchange.progress, name="progress"),
    path("jobs/<int:pk>/apply/", exchange.apply, name="apply"),
    path("jobs/<int:pk>/cancel/", exchange.cancel, name="cancel"),
    path("jobs/<int:pk>/errors.xlsx", exchange.errors_xlsx, name="errors_xlsx"),
]

app_name = "registry"
urlpatterns = [
    path("pupils/", views.pupil_list, name="pupils"),
    path("pupils/new/", views.pupil_create, name="pupil_new"),
    path("pupils/<int:pk>/", views.pupil_card, name="pupil"),
    path("pupils/<int:pk>/edit/", views.pupil_edit, name="pupil_edit"),
    path("families/new/", views.family_create, name="family_new"),
    path("families/<int:pk>/", views.family_card, name="family"),
    path("families/<int:pk>/edit/", views.family_edit, name="family_edit"),
    path("families/<int:pk>/guardians/new/", views.guardian_edit, name="guardian_new"),
    path("families/<int:pk>/guardians/<int:gpk>/", views.guardian_edit, name="guardian_edit"),
    path("families/<int:pk>/incomes/", views.income_add, name="income_add"),
    path("families/<int:pk>/incomes/<int:ipk>/delete/", views.income_delete, name="income_delete"),
    path("families/<int:pk>/members/", views.member_add, name="member_add"),
    path("families/<int:pk>/members/<int:mpk>/delete/", views.member_delete, name="member_delete"),
    path("children/", views.my_children, name="my_children"),
    path("exchange/", include((exchange_patterns, "exchange"))),
]
