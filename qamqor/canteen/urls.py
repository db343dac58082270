from django.urls import include, path

app_name = "canteen"
urlpatterns = [
    path("scan/", include("qamqor.canteen.urls_scanner")),
    path("", include("qamqor.canteen.urls_entry")),
]
