"""The citizen's pages ("Min plan"). Thin: `access.own_citizen` gives the citizen, the
services of the owning apps read and write. Every page is for the citizen herself only."""

import functools
import io
import zipfile

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from enplan.audit.models import Action
from enplan.citizens.access import get_visible_citizen
from enplan.citizens.models import Citizen
from enplan.consent import services as consent_services
from enplan.consent.actions import RECORD, WITHDRAW
from enplan.consent.models import Consent
from enplan.core.actions import performs
from enplan.gdpr.export import export_citizen
from enplan.meetings import services as meeting_services
from enplan.meetings.actions import ADD_AGENDA_ITEM, CITIZEN_CHECK, CITIZEN_REQUEST
from enplan.meetings.models import Meeting, PlaceKind, RequestKind
from enplan.plans import services as plan_services
from enplan.plans.actions import CITIZEN_VIEW, EDIT_PLAN
from enplan.plans.models import Activity, CitizenView, Goal

from . import services
from .access import own_citizen
from .actions import WRITE_NOTE
from .models import Comment
from .oidc import REFUSAL_SESSION_KEY, Refusal, citizen_user, log_in_citizen, portal_oidc_enabled
from .onepage import her_language, onepage_html, onepage_pdf

# Stored with the consent for the staff who read it, so in the staff's default language.
WITHDRAWAL_NOTE = "Trukket tilbage af borgeren i Min plan"


def citizen_page(view):
    """Anonymous visitors go to the portal's log-in; everyone else gets the citizen herself
    (or 403 from `own_citizen` / the middleware)."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if not request.user.is_authenticated:
            return HttpResponseRedirect(reverse("portal:login"))
        return view(request, *args, **kwargs)

    return wrapper


def _demo_citizens() -> list[Citizen]:
    """The demo's two citizens with a plan (the demo settings only)."""
    return list(Citizen.objects.filter(plan__isnull=False).order_by("id")[:2])


@require_safe
def login(request: HttpRequest) -> HttpResponse:
    refusal = request.session.pop(REFUSAL_SESSION_KEY, None)
    return render(
        request,
        "portal/login.html",
        {
            "refusal": refusal,
            "unknown": refusal == Refusal.UNKNOWN,
            "mitid": portal_oidc_enabled(),
            "demo": _demo_citizens() if settings.PORTAL_DEMO_LOGIN else [],
        },
    )


@require_POST
def demo_login(request: HttpRequest) -> HttpResponse:
    if not settings.PORTAL_DEMO_LOGIN:
        raise Http404
    chosen = request.POST.get("citizen", "")
    citizen = next((c for c in _demo_citizens() if str(c.uuid) == chosen), None)
    if citizen is None:
        raise Http404
    log_in_citizen(request, citizen_user(citizen))
    return HttpResponseRedirect(reverse("portal:home"))


def _tab(request: HttpRequest, tab: str, **parts) -> HttpResponse:
    """One of her pages: read (and audited) as `portal_<tab>`, rendered from
    portal/<tab>.html with each part a function of the citizen or a plain value."""
    citizen = own_citizen(request, f"portal_{tab}")
    context = {k: (v(citizen) if callable(v) else v) for k, v in parts.items()}
    return render(request, f"portal/{tab}.html", {"citizen": citizen, "tab": tab, **context})


@citizen_page
@require_safe
def home(request: HttpRequest) -> HttpResponse:
    citizen = own_citizen(request, "portal_plan")
    return render(
        request,
        "portal/home.html",
        {
            "citizen": citizen,
            "o": services.overview(citizen),
            "views": CitizenView.choices[1:],
            "goal_max": services.GOAL_MAX,
            "tab": "plan",
        },
    )


@citizen_page
@require_safe
def contacts(request: HttpRequest) -> HttpResponse:
    return _tab(request, "contacts", contacts=services.contacts)


@citizen_page
@require_safe
def meetings(request: HttpRequest) -> HttpResponse:
    return _tab(
        request,
        "meetings",
        meetings=services.meetings,
        check_items=services.check_items(),
        scale=range(1, 6),
        languages=services.interpreter_languages(),
        places=PlaceKind.choices,
    )


@citizen_page
@require_safe
def certificates(request: HttpRequest) -> HttpResponse:
    """Her certificate requests and how far each has come, in plain words (audited)."""
    return _tab(request, "certificates", certificates=services.certificates)


@citizen_page
@require_safe
def consents(request: HttpRequest) -> HttpResponse:
    return _tab(request, "consents", consents=services.consents, choices=services.consent_choices)


@citizen_page
@require_safe
def access_log(request: HttpRequest) -> HttpResponse:
    citizen = own_citizen(request, "portal_access_log")
    return render(
        request,
        "portal/access_log.html",
        {"citizen": citizen, "entries": services.access_log(citizen), "tab": "log"},
    )


@citizen_page
@require_safe
def my_data(request: HttpRequest) -> HttpResponse:
    citizen = own_citizen(request, "portal_data")
    return render(request, "portal/data.html", {"citizen": citizen, "tab": "data"})


@citizen_page
@require_safe
def export(request: HttpRequest) -> HttpResponse:
    """All her data (the GDPR export, JSON + PDF + attachments), run by herself: audited as an
    export by the citizen."""
    citizen = own_citizen(request, "portal_export")
    result = export_citizen(citizen, request.user)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in result.files(citizen):
            archive.writestr(name, content)
    response = HttpResponse(buffer.getvalue(), content_type="application/zip")
    response["Content-Disposition"] = 'attachment; filename="min-plan-data.zip"'
    return response


@citizen_page
@require_safe
def onepage(request: HttpRequest) -> HttpResponse:
    citizen = own_citizen(request, "portal_onepage", Action.EXPORT)
    response = HttpResponse(onepage_pdf(request, citizen), content_type="application/pdf")
    response["Content-Disposition"] = 'inline; filename="min-plan.pdf"'
    return response


def _back(request: HttpRequest, name: str = "portal:home", anchor: str = "") -> HttpResponse:
    return HttpResponseRedirect(reverse(name) + anchor)


def _version(request: HttpRequest) -> int:
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return -1


def _error(request: HttpRequest, exc: Exception) -> None:
    if isinstance(exc, plan_services.PlanConflict):
        messages.error(
            request, _("Someone changed your plan at the same time. Please look and try again.")
        )
    elif isinstance(exc, ValidationError):
        for text in exc.messages:
            messages.error(request, text)
    else:
        messages.error(request, str(exc))


@citizen_page
@require_POST
@performs(EDIT_PLAN)
def write_goal(request: HttpRequest) -> HttpResponse:
    """Her final goal in her own words: a new plan version written by her."""
    citizen = own_citizen(request, "portal_goal", Action.UPDATE)
    try:
        text = services.clean_text(request.POST.get("final_goal", ""), services.GOAL_MAX, "goal")
        plan = plan_services.create_plan(citizen, request.user)
        plan_services.update_plan(plan, request.user, _version(request), {"final_goal": text})
    except (ValidationError, plan_services.PlanConflict, PermissionDenied) as exc:
        _error(request, exc)
    else:
        messages.success(request, _("Thank you. Your goal is saved in your plan."))
    return _back(request, anchor="#goal")


@citizen_page
@require_POST
@performs(CITIZEN_VIEW)
def activity_view(request: HttpRequest, activity_uuid) -> HttpResponse:
    citizen = own_citizen(request, "portal_activity", Action.UPDATE)
    activity = get_object_or_404(
        Activity.objects.select_related("plan"), uuid=activity_uuid, citizen=citizen
    )
    try:
        plan_services.set_citizen_view(
            activity, request.user, _version(request), request.POST.get("citizen_view", "")
        )
    except (ValidationError, plan_services.PlanConflict, PermissionDenied) as exc:
        _error(request, exc)
    else:
        messages.success(request, _("Thank you. Your answer is saved."))
    return _back(request, anchor=f"#a-{activity.uuid}")


@citizen_page
@require_POST
@performs(WRITE_NOTE)
def comment(request: HttpRequest) -> HttpResponse:
    """A note to her coordinating caseworker, or about a sub-goal (stays in enplan)."""
    citizen = own_citizen(request, "portal_comment", Action.CREATE)
    goal = None
    if request.POST.get("goal"):
        goal = Goal.objects.filter(uuid=request.POST["goal"], citizen=citizen).first()
        if goal is None:
            raise Http404
    try:
        services.write_to_caseworker(citizen, request.user, request.POST.get("text", ""), goal)
    except (ValidationError, PermissionDenied) as exc:
        _error(request, exc)
    else:
        messages.success(request, _("Thank you. Your caseworker can read it now."))
    return _back(request, anchor="#write")


@citizen_page
@require_POST
@performs(ADD_AGENDA_ITEM)
def agenda_item(request: HttpRequest, meeting_uuid) -> HttpResponse:
    citizen = own_citizen(request, "portal_agenda", Action.CREATE)
    meeting = get_object_or_404(Meeting, uuid=meeting_uuid, citizen=citizen)
    try:
        title = services.clean_text(request.POST.get("title", ""), 300, "title")
        meeting_services.add_agenda_item(meeting, request.user, title)
    except (ValidationError, PermissionDenied) as exc:
        _error(request, exc)
    else:
        messages.success(request, _("Thank you. Your point is on the agenda."))
    return _back(request, "portal:meetings")


@citizen_page
@require_POST
@performs(CITIZEN_REQUEST)
def meeting_request(request: HttpRequest, meeting_uuid) -> HttpResponse:
    """She asks for an interpreter or another place for one of her upcoming meetings."""
    citizen = own_citizen(request, "portal_meeting_request", Action.CREATE)
    meeting = get_object_or_404(Meeting, uuid=meeting_uuid, citizen=citizen)
    kind = request.POST.get("kind", "")
    data = {
        name: request.POST.get(name, "") for name in ("language", "dialect", "place_kind", "note")
    }
    try:
        services.ask_about_meeting(citizen, request.user, meeting, kind, data)
    except (ValidationError, PermissionDenied) as exc:
        _error(request, exc)
    else:
        if kind == RequestKind.INTERPRETER:
            messages.success(request, _("Thank you. We have asked for an interpreter for you."))
        else:
            messages.success(request, _("Thank you. We have asked for another place for you."))
    return _back(request, "portal:meetings", f"#m-{meeting.uuid}")


@citizen_page
@require_POST
@performs(CITIZEN_CHECK)
def check(request: HttpRequest, meeting_uuid) -> HttpResponse:
    """The four-item check (1–5) after a held meeting, answered by herself."""
    citizen = own_citizen(request, "portal_check", Action.UPDATE)
    meeting = get_object_or_404(Meeting, uuid=meeting_uuid, citizen=citizen)
    answers = {}
    for name in meeting_services.CHECK_ITEMS:
        try:
            answers[name] = int(request.POST.get(name, ""))
        except ValueError:
            answers[name] = None
    try:
        meeting_services.record_citizen_check(meeting, request.user, answers)
    except (ValidationError, PermissionDenied) as exc:
        _error(request, exc)
    else:
        messages.success(request, _("Thank you for your answers."))
    return _back(request, "portal:meetings")


@citizen_page
@require_POST
@performs(RECORD)
def give_consent(request: HttpRequest) -> HttpResponse:
    """She gives a consent herself: it applies at once."""
    citizen = own_citizen(request, "portal_consent", Action.CREATE)
    data = {
        "source": request.POST.get("source", ""),
        "recipient": request.POST.get("recipient", ""),
        "categories": request.POST.getlist("categories"),
        "purpose": request.POST.get("purpose", ""),
        "days": request.POST.get("days", ""),
    }
    try:
        services.give_consent(citizen, request.user, data)
    except (ValidationError, PermissionDenied) as exc:
        _error(request, exc)
    else:
        messages.success(request, _("Thank you. The consent applies from now."))
    return _back(request, "portal:consents")


@citizen_page
@require_POST
@performs(WITHDRAW)
def withdraw_consent(request: HttpRequest, consent_uuid) -> HttpResponse:
    """She withdraws a consent herself: it applies at once."""
    citizen = own_citizen(request, "portal_consent", Action.UPDATE)
    consent = get_object_or_404(Consent, uuid=consent_uuid, citizen=citizen)
    try:
        consent_services.withdraw(consent, request.user, WITHDRAWAL_NOTE)
    except (ValidationError, PermissionDenied) as exc:
        _error(request, exc)
    else:
        messages.success(request, _("The consent is withdrawn. It applies from now."))
    return _back(request, "portal:consents")


# --- for the staff: the one-page plan printed with her, and her notes ----------------------


@login_required
@require_safe
def staff_onepage(request: HttpRequest, citizen_uuid) -> HttpResponse:
    """The caseworker prints the one-page plan with her, in her language; only what the
    sharing policy lets the caseworker's organisation see is on it."""
    citizen = get_visible_citizen(request.user, citizen_uuid, "onepage")
    with translation.override(her_language(citizen)):
        if request.GET.get("format") == "pdf":
            response = HttpResponse(
                onepage_pdf(request, citizen, viewer=request.user), content_type="application/pdf"
            )
            response["Content-Disposition"] = 'inline; filename="plan.pdf"'
            return response
        return HttpResponse(onepage_html(request, citizen, viewer=request.user))


@login_required
@require_safe
def staff_notes(request: HttpRequest, citizen_uuid) -> HttpResponse:
    """What the citizen wrote in Min plan, for her network."""
    citizen = get_visible_citizen(request.user, citizen_uuid, "portal_comment")
    notes = Comment.objects.filter(citizen=citizen).select_related(
        "goal", "meeting_request__meeting"
    )
    return render(request, "portal/staff_notes.html", {"citizen": citizen, "notes": notes})
