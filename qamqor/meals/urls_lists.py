"""Pages of the programme, the month's list, its verification and vouchers (namespace meals)."""

from django.urls import path, re_path

from .views import lists, programme

MONTH = r"(?P<school_id>\d+)/(?P<month>\d{4}-\d{2})"

urlpatterns = [
    path("lists/", lists.index, name="list_index"),
    re_path(rf"^lists/{MONTH}/$", lists.month_page, name="list_month"),
    re_path(rf"^lists/{MONTH}/form/$", lists.form, name="list_form"),
    re_path(rf"^lists/{MONTH}/submit/$", lists.submit, name="list_submit"),
    re_path(rf"^lists/{MONTH}/approve/$", lists.approve, name="list_approve"),
    re_path(rf"^lists/{MONTH}/return/$", lists.return_, name="list_return"),
    re_path(rf"^lists/{MONTH}/progress/$", lists.progress, name="list_progress"),
    re_path(rf"^lists/{MONTH}/vouchers/$", lists.vouchers, name="list_vouchers"),
    re_path(rf"^lists/{MONTH}/vouchers/issue/$", lists.vouchers_issue, name="list_vouchers_issue"),
    path("vouchers/<int:pk>/suspend/", lists.voucher_suspend, name="list_voucher_suspend"),
    path("vouchers/<int:pk>/reactivate/", lists.voucher_reactivate, name="list_voucher_reactivate"),
    re_path(rf"^programme/{MONTH}/$", programme.month_page, name="programme_month"),
    re_path(rf"^programme/{MONTH}/edit/$", programme.edit, name="programme_edit"),
    re_path(rf"^programme/{MONTH}/days/$", programme.days, name="programme_days"),
    re_path(rf"^programme/{MONTH}/days/reset/$", programme.reset_days, name="programme_days_reset"),
]
