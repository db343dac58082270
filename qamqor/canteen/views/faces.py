"""Face-ID consent and enrolment pages: the pedagogue's list and pupil page, and the
parent's own page for each child.

An enrolment photo is read into memory only (`MemoryFileUploadHandler`: never a temporary
file), checked like every upload (`core.uploads`), encoded, and dropped with the request.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.uploadhandler import MemoryFileUploadHandler
from django.db.models import Exists, OuterRef, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST

from qamqor.accounts.access import get_for_user, get_pupil_for_user, get_scope
from qamqor.accounts.types import AuthedRequest
from qamqor.audit.services import record
from qamqor.core.collation import kazakh
from qamqor.core.views import act, attempt, explain, paginate
from qamqor.registry.models import Pupil, SchoolClass

from ..faceid import engine
from ..forms import PHOTO_MAX_BYTES, ConsentForm, PaperConsentForm, PhotoForm
from ..models import FACE_MANAGERS, FaceConsent, FaceTemplate
from ..services import faces as services
from .common import schools_for


def _managed_pupil(request: HttpRequest, pk: int) -> Pupil:
    pupil = get_pupil_for_user(request.user, pk, write=True)
    if not get_scope(request.user).has_role(pupil.school_id, *FACE_MANAGERS):
        raise Http404
    return pupil


@login_required
@require_GET
def index(request: AuthedRequest) -> HttpResponse:
    """The school's pupils with their consent and enrolment, by class or name."""
    school, schools = schools_for(request, FACE_MANAGERS)
    classes = list(SchoolClass.objects.filter(school=school))
    pupils = Pupil.objects.filter(school=school, status=Pupil.Status.ACTIVE).select_related(
        "school_class"
    )
    chosen_class = next((c for c in classes if str(c.pk) == request.GET.get("class")), None)
    if chosen_class:
        pupils = pupils.filter(school_class=chosen_class)
    query = (request.GET.get("q") or "").strip()[:100]
    if query:
        pupils = pupils.filter(Q(surname__icontains=query) | Q(name__icontains=query))
    state = request.GET.get("state")
    consented = FaceConsent.objects.filter(pupil=OuterRef("pk"), withdrawn_at__isnull=True)
    enrolled = FaceTemplate.objects.filter(pupil=OuterRef("pk"))
    pupils = pupils.annotate(consented=Exists(consented), enrolled=Exists(enrolled))
    if state == "enrolled":
        pupils = pupils.filter(enrolled=True)
    elif state == "consent":
        pupils = pupils.filter(consented=True, enrolled=False)
    elif state == "none":
        pupils = pupils.filter(consented=False)
    pupils = pupils.order_by(
        "school_class__grade",
        kazakh("school_class__letter"),
        kazakh("surname"),
        kazakh("name"),
        "id",
    )
    page, params = paginate(request, pupils)
    record(request.user, "view", object_type="canteen.faceconsent", school_id=school.pk,
           label=_("Face-ID consents, page %(n)s") % {"n": page.number}, fields=["face_consent"])  # fmt: skip
    return render(
        request,
        "canteen/entry/faces.html",
        {
            "school": school,
            "schools": schools,
            "classes": classes,
            "chosen_class": chosen_class,
            "q": query,
            "state": state or "",
            "page": page,
            "query": params,
            "available": engine.available(),
            "not_installed": engine.MESSAGES["not_installed"],
        },
    )


def _pupil_context(pupil: Pupil, **extra: object) -> dict:
    return {
        "pupil": pupil,
        "consent": services.live_consent(pupil),
        "history": FaceConsent.objects.filter(pupil=pupil).select_related("guardian"),
        "template": FaceTemplate.objects.filter(pupil=pupil).first(),
        "available": engine.available(),
        "not_installed": engine.MESSAGES["not_installed"],
        "photo_max_mb": PHOTO_MAX_BYTES // (1024 * 1024),
        **extra,
    }


@login_required
@require_GET
def pupil_page(request: AuthedRequest, pk: int) -> HttpResponse:
    pupil = _managed_pupil(request, pk)
    record(request.user, "view", pupil, fields=["face_consent"])
    context = _pupil_context(
        pupil, paper_form=PaperConsentForm(pupil=pupil), photo_form=PhotoForm()
    )
    return render(request, "canteen/entry/face_pupil.html", context)


@login_required
@require_POST
def consent_record(request: AuthedRequest, pk: int) -> HttpResponse:
    pupil = _managed_pupil(request, pk)
    return act(
        request,
        PaperConsentForm(request.POST, pupil=pupil),
        lambda d: services.record_paper_consent(request.user, pupil, d["guardian"], d["signed_on"]),
        success=_("The consent is recorded."),
        then=reverse("canteen:face_pupil", args=[pupil.pk]),
        again=lambda f: render(
            request,
            "canteen/entry/face_pupil.html",
            _pupil_context(pupil, paper_form=f, photo_form=PhotoForm()),
        ),
    )


@login_required
@csrf_exempt
@require_POST
def enrol(request: AuthedRequest, pk: int) -> HttpResponse:
    # The photo must stay in memory: no temporary file on disk, even for a large one. The
    # handlers can only be swapped before the body is read, so CSRF is checked just after.
    request.upload_handlers = [MemoryFileUploadHandler(request)]
    return _enrol(request, pk)


@csrf_protect
def _enrol(request: AuthedRequest, pk: int) -> HttpResponse:
    pupil = _managed_pupil(request, pk)
    try:
        too_large = int(request.META.get("CONTENT_LENGTH") or 0) > PHOTO_MAX_BYTES + 64 * 1024
    except ValueError:
        too_large = True
    form = PhotoForm(data=request.POST, files={} if too_large else request.FILES)  # type: ignore[arg-type]  # {}: no file
    if too_large:
        form.is_valid()
        limit = PHOTO_MAX_BYTES // 2**20
        message = _("The photo is too large: at most %(n)s MB.") % {"n": limit}
        form.errors["photo"] = form.error_class([message])
    elif form.is_valid():
        photo = form.cleaned_data["photo"]
        try:
            services.enrol_face(request.user, pupil, photo.read())
        except services.FaceIdError as exc:
            explain(form, exc)
        else:
            messages.success(request, _("The face is enrolled. The photo was not kept."))
            return redirect("canteen:face_pupil", pupil.pk)
        finally:
            photo.close()
    context = _pupil_context(pupil, paper_form=PaperConsentForm(pupil=pupil), photo_form=form)
    return render(request, "canteen/entry/face_pupil.html", context, status=422)


@login_required
@require_POST
def withdraw(request: AuthedRequest, pk: int) -> HttpResponse:
    """The pedagogue records a withdrawal the parent made on paper or in person."""
    return _withdraw(request, _managed_pupil(request, pk), "canteen:face_pupil")


def _withdraw(request: AuthedRequest, pupil: Pupil, back: str) -> HttpResponse:
    done = _("The consent is withdrawn and the face template erased.")
    attempt(request, lambda: services.withdraw_consent(request.user, pupil), done)
    return redirect(back, pupil.pk)


# --- the parent ------------------------------------------------------------------------------


def _own_child(request: HttpRequest, pk: int) -> Pupil:
    return get_for_user(request.user, Pupil, pk, parent=True)


def _parent_context(pupil: Pupil, form: ConsentForm) -> dict:
    return {
        "pupil": pupil,
        "consent": services.live_consent(pupil),
        "enrolled": FaceTemplate.objects.filter(pupil=pupil).exists(),
        "form": form,
    }


@login_required
@require_GET
def parent_page(request: AuthedRequest, pk: int) -> HttpResponse:
    pupil = _own_child(request, pk)
    return render(request, "canteen/entry/parent_face.html", _parent_context(pupil, ConsentForm()))


@login_required
@require_POST
def parent_give(request: AuthedRequest, pk: int) -> HttpResponse:
    pupil = _own_child(request, pk)
    return act(
        request,
        ConsentForm(request.POST),
        lambda _data: services.give_consent(request.user, pupil),
        success=_("Thank you. The school will take a photo of the child to enrol the face."),
        then=reverse("canteen:parent_face", args=[pupil.pk]),
        again=lambda f: render(
            request, "canteen/entry/parent_face.html", _parent_context(pupil, f)
        ),
    )


@login_required
@require_POST
def parent_withdraw(request: AuthedRequest, pk: int) -> HttpResponse:
    return _withdraw(request, _own_child(request, pk), "canteen:parent_face")
