from django.urls import include, path

app_name = "meals"
urlpatterns = [
    path("", include("qamqor.meals.urls_lists")),
    path("wallet/", include("qamqor.meals.urls_wallet")),
    path("reports/", include("qamqor.meals.urls_reports")),
    path("canteen/", include("qamqor.meals.urls_canteen")),
]
