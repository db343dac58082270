from django.urls import path

from . import views

app_name = "eligibility"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("pupils/<int:pk>/assign/", views.assign, name="assign"),
    path("assignments/<int:pk>/", views.assignment_page, name="assignment"),
    path("assignments/<int:pk>/confirm/", views.confirm, name="confirm"),
    path("assignments/<int:pk>/refuse/", views.refuse, name="refuse"),
    path("assignments/<int:pk>/evidence/", views.add_evidence, name="add_evidence"),
    path("evidence/<int:pk>/", views.evidence_download, name="evidence"),
    path("board-decisions/<int:pk>/scan/", views.board_scan, name="board_scan"),
]
