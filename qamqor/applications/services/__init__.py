"""Every write of the applications app (DESIGN: services own the transaction).

`applications` — receipt, documents, review, decisions, appeals, and the generic
`transition_application` the aid app uses; `camps` — camps, sessions, voucher allocation;
`consultations` — the consultation log.
"""

from .applications import (
    ApplicationError,
    add_document,
    approve_application,
    decide_appeal,
    file_appeal,
    kind_labels,
    kinds_present,
    lock_application,
    refuse_application,
    request_documents,
    start_review,
    submit_application,
    transition_application,
)
from .camps import (
    add_camp_session,
    allocate_camp_places,
    create_camp,
    release_camp_place,
)
from .consultations import close_follow_up, log_consultation

__all__ = [
    "ApplicationError",
    "add_camp_session",
    "add_document",
    "allocate_camp_places",
    "approve_application",
    "close_follow_up",
    "create_camp",
    "decide_appeal",
    "file_appeal",
    "kind_labels",
    "kinds_present",
    "lock_application",
    "log_consultation",
    "refuse_application",
    "release_camp_place",
    "request_documents",
    "start_review",
    "submit_application",
    "transition_application",
]
