from django.urls import path

from . import views

app_name = "exchange"
urlpatterns = [
    path("", views.upload, name="upload"),
    path("export/", views.export, name="export"),
    path("template.xlsx", views.template, name="template"),
    path("jobs/<int:pk>/", views.job_page, name="job"),
    path("jobs/<int:pk>/progress/", views.progress, name="progress"),
    path("jobs/<int:pk>/apply/", views.apply, name="apply"),
    path("jobs/<int:pk>/cancel/", views.cancel, name="cancel"),
    path("jobs/<int:pk>/errors.xlsx", views.errors_xlsx, name="errors_xlsx"),
]
