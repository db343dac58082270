"""The parent's wallet pages (seed 004, steps 4 and 6), the share link, and the ratings page.

Mobile first: a parent opens these on a phone at the canteen door. The QR page shows a
signed token as SVG and `meals/wallet.js` fetches a fresh one before it expires (CSP allows
no inline script). The share link page needs no login: it shows only the QR, the child's
first name and class — never a category.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

import segno
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from qamqor.accounts.access import get_for_user, schools_or_404, visible
from qamqor.accounts.models import CATEGORY_READERS
from qamqor.accounts.types import AuthedRequest
from qamqor.core.clock import now, today
from qamqor.core.views import attempt, paginate
from qamqor.meals import tokens
from qamqor.meals.models import Voucher, first_of_month
from qamqor.meals.services import wallet as services
from qamqor.registry.models import Pupil

# Fetch the next QR this long before the shown one expires (or at half its life if shorter).
REFRESH_MARGIN = 60


class RatingForm(forms.Form):
    day = forms.DateField(widget=forms.HiddenInput)
    score = forms.TypedChoiceField(
        label=gettext_lazy("Score"),
        choices=[(n, str(n)) for n in range(5, 0, -1)],
        coerce=int,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=gettext_lazy("Comment"),
        required=False,
        max_length=services.COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class RatingsFilterForm(forms.Form):
    school = forms.TypedChoiceField(
        label=gettext_lazy("School"), required=False, coerce=int, empty_value=None
    )
    month = forms.CharField(
        label=gettext_lazy("Month"), required=False, widget=forms.TextInput({"type": "month"})
    )

    def __init__(self, *args: Any, schools: Any = (), **kwargs: Any):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["school"]).choices = [("", _("All my schools"))] + [
            (s.pk, s.name) for s in schools
        ]


def _month(value: str | None) -> dt.date:
    """`YYYY-MM` from a query string, or this month."""
    try:
        return dt.date.fromisoformat(f"{value}-01") if value else first_of_month(today())
    except ValueError:
        return first_of_month(today())


def _parent_child(request: AuthedRequest, pk: int) -> Pupil:
    return get_for_user(request.user, Pupil, pk, parent=True)


def _qr_context(voucher: Voucher, refresh_url: str) -> dict[str, Any]:
    """The QR of a fresh token, or why there is none; what the countdown needs."""
    context: dict[str, Any] = {"voucher": voucher, "refresh_url": refresh_url}
    try:
        issued = services.issue_qr(voucher)
    except services.WalletError as exc:
        context["refusal"] = exc.message
        return context
    ttl = max(0, int((issued.expires_at - now()).total_seconds()))
    lifetime = int(services.token_lifetime().total_seconds())
    context.update(
        svg=tokens.qr_svg(issued.text, title=_("Meal QR code")),
        issued=issued,
        ttl=ttl,
        refresh_in=max(1, ttl - min(REFRESH_MARGIN, lifetime // 2)),
    )
    return context


def _no_store(response: HttpResponse) -> HttpResponse:
    # A QR is a meal: it must not linger in a shared cache or the back-forward cache.
    response["Cache-Control"] = "no-store, private"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@login_required
@require_GET
def home(request: AuthedRequest) -> HttpResponse:
    """My children: this month's vouchers and the meals taken so far."""
    services.require_parent(request.user)
    month = first_of_month(today())
    children = list(
        visible(request.user, Pupil, parent=True)
        .select_related("school", "school_class")
        .order_by("birth_date", "id")
    )
    vouchers = list(services.parent_vouchers(request.user).filter(month=month))
    counts = dict(
        services.served_meals(vouchers, month)
        .order_by()
        .values_list("voucher__pupil_id")
        .annotate(n=Count("id"))
    )
    cards = [
        {
            "pupil": c,
            "vouchers": [v for v in vouchers if v.pupil_id == c.pk],
            "meals": counts.get(c.pk, 0),
        }
        for c in children
    ]
    return render(request, "meals/wallet/home.html", {"cards": cards, "month": month})


@login_required
@require_GET
def child(request: AuthedRequest, pk: int) -> HttpResponse:
    """One child: vouchers, the meals taken in a month, and rating each served meal."""
    pupil = _parent_child(request, pk)
    month = _month(request.GET.get("month"))
    mine = services.parent_vouchers(request.user).filter(pupil=pupil)
    month_vouchers = list(mine.filter(month=month))
    ratings = services.ratings_by_meal(month_vouchers, month)
    meals = [
        {"scan": r, "rating": ratings.get((r.voucher_id, r.day))}  # type: ignore[arg-type]  # a served meal has both
        for r in services.served_meals(month_vouchers, month)
    ]
    start, _end = services.month_bounds(month)
    context = {
        "pupil": pupil,
        "month": month,
        "previous": (start - dt.timedelta(days=1)).strftime("%Y-%m"),
        "next": (start + dt.timedelta(days=32)).strftime("%Y-%m")
        if start < first_of_month(today())
        else None,
        "vouchers": list(mine.order_by("-month", "meal_type")[:24]),
        "meals": meals,
        "form": RatingForm(),
        "today": today(),
    }
    return render(request, "meals/wallet/child.html", context)


@login_required
@require_GET
def qr(request: AuthedRequest, pk: int) -> HttpResponse:
    """The dynamic QR of one voucher, refreshed before it expires, with a countdown."""
    voucher = services.get_parent_voucher(request.user, pk)
    context = _qr_context(voucher, reverse("meals:wallet_qr_fragment", args=[voucher.pk]))
    context["pupil"] = voucher.pupil
    return _no_store(render(request, "meals/wallet/qr.html", context))


@login_required
@require_GET
def qr_fragment(request: AuthedRequest, pk: int) -> HttpResponse:
    """A fresh QR as an HTML fragment (what wallet.js swaps in)."""
    voucher = services.get_parent_voucher(request.user, pk)
    context = _qr_context(voucher, reverse("meals:wallet_qr_fragment", args=[voucher.pk]))
    return _no_store(render(request, "meals/wallet/_qr.html", context))


@login_required
@require_POST
def share(request: AuthedRequest, pk: int) -> HttpResponse:
    """A link to open the QR on the child's phone, without signing in, for 12 hours."""
    voucher = services.get_parent_voucher(request.user, pk)
    try:
        link = services.make_share_link(voucher)
    except services.WalletError as exc:
        messages.error(request, exc.message)
        return redirect("meals:wallet_qr", voucher.pk)
    url = request.build_absolute_uri(reverse("meals:wallet_shared", args=[link.token]))
    context = {
        "voucher": voucher,
        "pupil": voucher.pupil,
        "url": url,
        "expires_at": link.expires_at,
        # The link as a QR too: the child's phone can open it with its camera.
        "url_svg": segno.make(url, error="m", micro=False).svg_inline(
            scale=1, border=4, omitsize=True, svgclass="qr-svg", title=_("Link to the QR")
        ),
    }
    return _no_store(render(request, "meals/wallet/share.html", context))


@require_GET
def shared(request: HttpRequest, token: str) -> HttpResponse:
    """The QR on the child's phone: no login; only the QR, first name and class."""
    voucher, link_expires = services.voucher_for_share(token)
    context = _qr_context(voucher, reverse("meals:wallet_shared_qr", args=[token]))
    context.update(pupil=voucher.pupil, link_expires=link_expires, shared=True)
    return _no_store(render(request, "meals/wallet/shared.html", context))


@require_GET
def shared_qr(request: HttpRequest, token: str) -> HttpResponse:
    voucher, _expires = services.voucher_for_share(token)
    context = _qr_context(voucher, reverse("meals:wallet_shared_qr", args=[token]))
    return _no_store(render(request, "meals/wallet/_qr.html", context))


@login_required
@require_POST
def rate(request: AuthedRequest, pk: int) -> HttpResponse:
    """The parent's rating of a served meal: 1–5 and a comment, once per day."""
    voucher = services.get_parent_voucher(request.user, pk)
    form = RatingForm(request.POST)
    back = reverse("meals:wallet_child", args=[voucher.pupil_id])
    if not form.is_valid():
        messages.error(request, _("Choose a score from 1 to 5."))
        return redirect(back)
    data = form.cleaned_data
    day = data["day"]
    attempt(
        request,
        lambda: services.rate_meal(request.user, voucher, day, data["score"], data["comment"]),
        _("Thank you: your rating is sent to the school."),
    )
    return redirect(f"{back}?month={day:%Y-%m}")


@login_required
@require_GET
@never_cache
def ratings(request: AuthedRequest) -> HttpResponse:
    """Parents' ratings for the principal and the district: averages per day, comments."""
    schools = schools_or_404(request.user, CATEGORY_READERS)
    form = RatingsFilterForm(request.GET or None, schools=schools)
    school_ids = {s.pk for s in schools}
    month = first_of_month(today())
    if form.is_bound and form.is_valid():
        if form.cleaned_data["school"] in school_ids:
            school_ids = {form.cleaned_data["school"]}
        month = _month(form.cleaned_data["month"])
    rows = services.school_ratings(request.user, school_ids, month)
    days, totals = services.ratings_summary(rows)
    comments = (
        rows.exclude(comment="")
        .select_related("voucher", "voucher__pupil__school_class")
        .order_by("-day", "-at", "-id")
    )
    names = {s.pk: s.name for s in schools}
    page, query = paginate(request, comments, 50)
    page.object_list = list(page.object_list)
    for r in page.object_list:
        r.school_name = names.get(r.voucher.school_id, "")
    context = {
        "form": form,
        "month": month,
        "days": days,
        "totals": totals,
        "page": page,
        "query": query,
        "many_schools": len(schools) > 1,
    }
    return render(request, "meals/wallet/ratings.html", context)
