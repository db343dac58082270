from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("monitoring/", views.home, name="monitoring"),
]
