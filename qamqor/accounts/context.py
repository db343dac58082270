"""Navigation for the base template: what the signed-in user's roles open."""

from __future__ import annotations

from django.http import HttpRequest

from .access import get_scope
from .models import AUDIT_READERS, CATEGORY_READERS, SCHOOL_READERS, Role


def navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    scope = get_scope(user)
    return {
        "nav": {
            "registry": bool(scope.school_ids(roles=SCHOOL_READERS) or scope.class_ids),
            "children": bool(scope.child_ids),
            "eligibility": bool(scope.school_ids(roles=CATEGORY_READERS)),
            "reports": bool(scope.school_ids(roles=SCHOOL_READERS)),
            "meals": bool(scope.school_ids(roles=SCHOOL_READERS)),
            "canteen": bool(scope.school_ids(roles={Role.CANTEEN})),
            "aid": bool(scope.school_ids(roles={Role.PEDAGOGUE, Role.PRINCIPAL, Role.ADMIN})),
            "audit": bool(scope.school_ids(roles=AUDIT_READERS)),
            "import": bool(scope.school_ids(write=True)),
            "writer": bool(scope.school_ids(write=True)),
            "teacher_class": min(scope.class_ids) if scope.class_ids else None,
        }
    }
