from django.urls import path

from qamqor.reports import views

app_name = "audit"
urlpatterns = [
    path("", views.home, name="events"),
]
