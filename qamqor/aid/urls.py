from django.urls import path

from .views import parent, payment_monitoring, purchase_reports, registers

app_name = "aid"
urlpatterns = [
    # The pedagogue: payment registers.
    path("registers/", registers.registers, name="registers"),
    path("schools/<int:school_pk>/register/", registers.register_form, name="register_form"),
    path("registers/<int:pk>/", registers.register_page, name="register"),
    path("registers/<int:pk>/check/", registers.register_check, name="register_check"),
    path("registers/<int:pk>/delete/", registers.register_delete, name="register_delete"),
    path("registers/<int:pk>/register.xlsx", registers.register_xlsx, name="register_xlsx"),
    path("registers/<int:pk>/register.csv", registers.register_csv, name="register_csv"),
    path("registers/<int:pk>/paid/", registers.register_paid, name="register_paid"),
    # The pedagogue: purchase reports to check.
    path("reports/", purchase_reports.reports, name="reports"),
    path("reports/<int:pk>/", purchase_reports.report_page, name="report"),
    path("reports/<int:pk>/accept/", purchase_reports.report_accept, name="report_accept"),
    path("reports/<int:pk>/ask-again/", purchase_reports.report_ask_again, name="report_ask_again"),
    # Uploads: the parent, or the school for a report brought on paper.
    path("reports/<int:pk>/files/", purchase_reports.report_upload, name="report_upload"),
    path("reports/<int:pk>/submit/", purchase_reports.report_submit, name="report_submit"),
    path("files/<int:pk>/", purchase_reports.report_file, name="file"),
    path("files/<int:pk>/delete/", purchase_reports.report_file_delete, name="file_delete"),
    # The parent.
    path("my/", parent.my_aid, name="my_aid"),
    path("my/reports/<int:pk>/", parent.my_report, name="my_report"),
    # Principal and district: monitoring.
    path("monitoring/", payment_monitoring.monitoring_page, name="monitoring"),
    path("monitoring.xlsx", payment_monitoring.monitoring_export, name="monitoring_xlsx"),
]
