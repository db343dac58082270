from django.urls import path

from .views import applications as a
from .views import camps as c
from .views import catalogue as cat
from .views import consultations as con
from .views import parent as p

app_name = "applications"
urlpatterns = [
    # The catalogue: every signed-in user (consultations).
    path("", cat.catalogue, name="catalogue"),
    path("catalogue/<slug:service>/", cat.passport_page, name="passport"),
    # The parent's pages.
    path("apply/", p.apply, name="apply"),
    path("apply/code/", p.send_code, name="send_code"),
    path("mine/", p.mine, name="mine"),
    # The school's pages and the shared application page.
    path("applications/", a.dashboard, name="dashboard"),
    path("register/", a.register_find, name="register_find"),
    path("pupils/<int:pupil_id>/register/", a.register, name="register"),
    path("applications/<int:pk>/", a.detail, name="detail"),
    path("applications/<int:pk>/review/", a.start, name="start_review"),
    path("applications/<int:pk>/request/", a.request_docs, name="request_documents"),
    path("applications/<int:pk>/approve/", a.approve, name="approve"),
    path("applications/<int:pk>/refuse/", a.refuse, name="refuse"),
    path("applications/<int:pk>/documents/", a.upload, name="upload"),
    path("applications/<int:pk>/appeal/", a.appeal, name="appeal"),
    path("applications/<int:pk>/appeal/decide/", a.decide_appeal, name="decide_appeal"),
    path("documents/<int:pk>/", a.document, name="document"),
    # Camps and vouchers.
    path("camps/", c.camps, name="camps"),
    path("camps/new/", c.camp_new, name="camp_new"),
    path("camps/<int:pk>/sessions/new/", c.session_new, name="session_new"),
    path("camps/sessions/<int:pk>/", c.session_page, name="session"),
    path("camps/sessions/<int:pk>/allocate/", c.allocate, name="allocate"),
    path("camps/places/<int:pk>/release/", c.release, name="release"),
    # Consultations.
    path("consultations/", con.log, name="consultations"),
    path("consultations/new/", con.new, name="consultation_new"),
    path("consultations/<int:pk>/done/", con.follow_up_done, name="follow_up_done"),
    path("consultations/summary/", con.monthly, name="consultation_summary"),
    path("consultations/summary.xlsx", con.monthly_xlsx, name="consultation_xlsx"),
]
