"""Every write of the aid app. Views and the API fetch objects through `accounts.access`
(write=True where they change them) and then call these; a refusal is an `AidError`."""

from .common import AidError, aid_amount, move_application
from .purchase_reports import (
    accept_report,
    add_report_file,
    ask_again,
    can_upload,
    file_removable,
    mark_overdue,
    remove_report_file,
    submit_report,
)
from .registers import (
    PaidResult,
    approved_applications,
    check_register,
    delete_register,
    form_register,
    mark_register_paid,
    record_export,
    unregistered_counts,
)
from .reminders import ReminderRun, send_reminders

__all__ = [
    "AidError",
    "PaidResult",
    "ReminderRun",
    "accept_report",
    "add_report_file",
    "aid_amount",
    "approved_applications",
    "ask_again",
    "can_upload",
    "check_register",
    "delete_register",
    "file_removable",
    "form_register",
    "mark_overdue",
    "mark_register_paid",
    "move_application",
    "record_export",
    "remove_report_file",
    "send_reminders",
    "submit_report",
    "unregistered_counts",
]
