"""The meal reports, mounted at /meals/reports/ in the `meals` namespace."""

from django.urls import path

from .views import meal_reports as views

urlpatterns = [
    path("daily/", views.daily, name="report_daily"),
    path("daily/xlsx/", views.daily_xlsx, name="report_daily_xlsx"),
    path("tabel/", views.tabel_month, name="tabel_month"),
    path("tabel/xlsx/", views.tabel_xlsx, name="tabel_xlsx"),
    path("tabel/pdf/", views.tabel_pdf, name="tabel_pdf"),
    path(
        "tabel/<int:school_id>/<int:year>/<int:month>/submit/",
        views.tabel_submit,
        name="tabel_submit",
    ),
    path(
        "tabel/<int:school_id>/<int:year>/<int:month>/amend/",
        views.tabel_amend,
        name="tabel_amend",
    ),
    path("payment/", views.payment_statement, name="payment_statement"),
    path("payment/xlsx/", views.payment_xlsx, name="payment_xlsx"),
    path("payment/pdf/", views.payment_pdf, name="payment_pdf"),
]
