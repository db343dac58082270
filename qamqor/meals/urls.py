"""The meals pages, mounted at /meals/ in the `meals` namespace: the programme, the month's
list, its verification and vouchers; the parent's wallet (names `wallet_`); the reports; the
day's scan problems. The scan API is under /api/v1/ (meals.api.canteen)."""

from django.urls import include, path, re_path

from .views import canteen, lists, programme, wallet
from .views import meal_reports as report_views

# A school's month: lists/<school_id>/<YYYY-MM>/… and programme/<school_id>/<YYYY-MM>/…
MONTH = r"(?P<school_id>\d+)/(?P<month>\d{4}-\d{2})/"
list_month = [
    path("", lists.month_page, name="list_month"),
    path("form/", lists.form, name="list_form"),
    path("submit/", lists.submit, name="list_submit"),
    path("approve/", lists.approve, name="list_approve"),
    path("return/", lists.return_, name="list_return"),
    path("progress/", lists.progress, name="list_progress"),
    path("vouchers/", lists.vouchers, name="list_vouchers"),
    path("vouchers/issue/", lists.vouchers_issue, name="list_vouchers_issue"),
]
programme_month = [
    path("", programme.month_page, name="programme_month"),
    path("edit/", programme.edit, name="programme_edit"),
    path("days/", programme.days, name="programme_days"),
    path("days/reset/", programme.reset_days, name="programme_days_reset"),
]
tabel_month = [
    path("submit/", report_views.tabel_submit, name="tabel_submit"),
    path("amend/", report_views.tabel_amend, name="tabel_amend"),
]

app_name = "meals"
urlpatterns = [
    path("lists/", lists.index, name="list_index"),
    re_path(rf"^lists/{MONTH}", include(list_month)),
    path("vouchers/<int:pk>/suspend/", lists.voucher_suspend, name="list_voucher_suspend"),
    path("vouchers/<int:pk>/reactivate/", lists.voucher_reactivate, name="list_voucher_reactivate"),
    re_path(rf"^programme/{MONTH}", include(programme_month)),
    # The parent's wallet
    path("wallet/", wallet.home, name="wallet_home"),
    path("wallet/child/<int:pk>/", wallet.child, name="wallet_child"),
    path("wallet/voucher/<int:pk>/qr/", wallet.qr, name="wallet_qr"),
    path("wallet/voucher/<int:pk>/qr/fresh/", wallet.qr_fragment, name="wallet_qr_fragment"),
    path("wallet/voucher/<int:pk>/share/", wallet.share, name="wallet_share"),
    path("wallet/voucher/<int:pk>/rate/", wallet.rate, name="wallet_rate"),
    path("wallet/ratings/", wallet.ratings, name="wallet_ratings"),
    # The share link: no login; the signed token is the only key.
    path("wallet/s/<str:token>/", wallet.shared, name="wallet_shared"),
    path("wallet/s/<str:token>/qr/", wallet.shared_qr, name="wallet_shared_qr"),
    # The reports
    path("reports/daily/", report_views.daily, name="report_daily"),
    path("reports/daily/xlsx/", report_views.daily_xlsx, name="report_daily_xlsx"),
    path("reports/tabel/", report_views.tabel_month, name="tabel_month"),
    path("reports/tabel/xlsx/", report_views.tabel_xlsx, name="tabel_xlsx"),
    path("reports/tabel/pdf/", report_views.tabel_pdf, name="tabel_pdf"),
    path("reports/tabel/<int:school_id>/<int:year>/<int:month>/", include(tabel_month)),
    path("reports/payment/", report_views.payment_statement, name="payment_statement"),
    path("reports/payment/xlsx/", report_views.payment_xlsx, name="payment_xlsx"),
    path("reports/payment/pdf/", report_views.payment_pdf, name="payment_pdf"),
    path("canteen/conflicts/", canteen.conflicts, name="canteen_conflicts"),
]
