from django.urls import path

from qamqor.reports import views

app_name = "registry"
urlpatterns = [
    path("pupils/", views.home, name="pupils"),
    path("children/", views.home, name="my_children"),
    path("import/", views.home, name="import"),
]
