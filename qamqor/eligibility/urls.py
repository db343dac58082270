from django.urls import path

from qamqor.reports import views

app_name = "eligibility"
urlpatterns = [
    path("", views.home, name="dashboard"),
]
