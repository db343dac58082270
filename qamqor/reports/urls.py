from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("monitoring/", views.monitoring_page, name="monitoring"),
    path("monitoring.xlsx", views.monitoring_export, name="monitoring_xlsx"),
]
