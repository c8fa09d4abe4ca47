"""Meeting pages. Thin: fetch through the citizen's access rule, ask the consent policy,
call the services, show their errors on the form. Every page works without JavaScript;
with htmx the agenda grows in place."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Max, Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from enplan.audit.models import Action
from enplan.audit.services import record
from enplan.citizens.access import get_visible_citizen, require_professional
from enplan.consent.models import Category
from enplan.consent.policy import for_viewer
from enplan.core.actions import performs
from enplan.network.permissions import require
from enplan.plans.services import PlanConflict, get_or_create_plan

from . import actions, services
from .forms import (
    AgendaItemForm,
    CancelForm,
    CooperationForm,
    DecisionForm,
    MeetingForm,
    MinutesForm,
    OutsideFormSet,
    ToPlanForm,
)
from .models import (
    CooperationMeeting,
    Decision,
    Meeting,
    MeetingRequest,
    Minutes,
    ParticipantRole,
    PlaceKind,
)
from .services import DoubleBooked, MeetingConflict, ParticipantSpec


def _meeting(citizen, meeting_uuid) -> Meeting:
    meeting = get_object_or_404(
        Meeting.objects.select_related("convener__organisation", "origin"),
        citizen=citizen,
        uuid=meeting_uuid,
    )
    meeting.citizen = citizen  # the access-checked instance, not a second fetch of it
    return services.attach_roles(meeting)


def _minutes_withheld(request, citizen, meeting):
    return for_viewer(request.user, citizen).withheld(Category.MINUTES, meeting.origin_id)


def _refuse_withheld(request, citizen, meeting) -> None:
    if _minutes_withheld(request, citizen, meeting):
        record(request.user, citizen, Action.REFUSED, meeting, reason="minutes not shared")
        raise PermissionDenied(
            _("The minutes are not shared with you: the citizen's consent is missing.")
        )


@login_required
@require_safe
def meeting_list(request, citizen_uuid):
    citizen = get_visible_citizen(request.user, citizen_uuid, "meetings", Action.LIST)
    meetings = list(
        Meeting.objects.filter(citizen=citizen)
        .select_related("convener")
        .annotate(n_participants=Count("participants", distinct=True))
        .annotate(approved=Max("minutes__approved_at"))
        .order_by("-starts_at")
    )
    return render(
        request,
        "meetings/list.html",
        {"citizen": citizen, "meetings": meetings, "tab": "meetings"},
    )


def _specs(form: MeetingForm, outside) -> list[ParticipantSpec]:
    specs = [
        ParticipantSpec(membership=m, role=ParticipantRole.PROFESSIONAL)
        for m in form.cleaned_data["members"]
    ]
    for row in outside.cleaned_data:
        if row.get("name"):
            specs.append(
                ParticipantSpec(
                    name=row["name"],
                    role=row["role"],
                    email=row.get("email", ""),
                    phone=row.get("phone", ""),
                )
            )
    return specs


def _with_default_end(data: dict) -> dict:
    if data.get("starts_at") and not data.get("ends_at") and data.get("kind"):
        minutes = services.rule_for(data["kind"]).duration_minutes
        data["ends_at"] = data["starts_at"] + timedelta(minutes=minutes)
    return data


def _form_page(request, citizen, form, outside, meeting=None, status=200, warning=None):
    return render(
        request,
        "meetings/form.html",
        {
            "citizen": citizen,
            "form": form,
            "outside": outside,
            "meeting": meeting,
            "warning": warning,
            "tab": "meetings",
        },
        status=status,
    )


@login_required
@performs(actions.PLAN)
def meeting_new(request, citizen_uuid):
    action = Action.UPDATE if request.method == "POST" else Action.READ
    citizen = get_visible_citizen(request.user, citizen_uuid, "meetings", action)
    from enplan.network.services import coordinator_of

    coordinator = coordinator_of(citizen)
    initial = {"members": [coordinator.pk] if coordinator else [], "kind": "planning"}
    form = MeetingForm(request.POST or None, citizen=citizen, initial=initial)
    outside = OutsideFormSet(request.POST or None, prefix="outside")
    if request.method == "POST":
        if form.is_valid() and outside.is_valid():
            try:
                outcome = services.plan_meeting(
                    request.user,
                    citizen,
                    _with_default_end(form.data_for_service()),
                    _specs(form, outside),
                    override_reason=form.cleaned_data["override_reason"],
                )
            except DoubleBooked as exc:
                form.add_error("override_reason", exc.messages)
                return _form_page(request, citizen, form, outside, status=422, warning=exc)
            except ValidationError as exc:
                form.put_errors(exc)
            else:
                for notice in outcome.notices:
                    messages.warning(request, notice)
                messages.success(request, _("The meeting is planned and the invitations sent."))
                return redirect("citizens:meeting", citizen.uuid, outcome.meeting.uuid)
        return _form_page(request, citizen, form, outside, status=422)
    if coordinator is None:
        messages.warning(request, _("The citizen has no coordinating caseworker to invite."))
    return _form_page(request, citizen, form, outside)


@login_required
@performs(actions.PLAN)
def meeting_edit(request, citizen_uuid, meeting_uuid):
    action = Action.UPDATE if request.method == "POST" else Action.READ
    citizen = get_visible_citizen(request.user, citizen_uuid, "meeting", action)
    meeting = _meeting(citizen, meeting_uuid)
    if meeting.is_cancelled:
        messages.error(request, _("This meeting is cancelled and can no longer be changed."))
        return redirect("citizens:meeting", citizen.uuid, meeting.uuid)
    members = list(meeting.participants.filter(membership__isnull=False))
    outsiders = meeting.participants.filter(membership__isnull=True)
    form = MeetingForm(
        request.POST or None,
        instance=meeting,
        citizen=citizen,
        initial={"members": [p.membership_id for p in members], "version": meeting.version},
    )
    outside = OutsideFormSet(
        request.POST or None,
        prefix="outside",
        initial=[
            {"name": p.name, "role": p.role, "email": p.email, "phone": p.phone} for p in outsiders
        ],
    )
    if request.method == "POST":
        if form.is_valid() and outside.is_valid():
            try:
                outcome = services.update_meeting(
                    Meeting.objects.get(pk=meeting.pk),
                    request.user,
                    form.cleaned_data["version"] or 0,
                    _with_default_end(form.data_for_service()),
                    _specs(form, outside),
                    override_reason=form.cleaned_data["override_reason"],
                )
            except DoubleBooked as exc:
                form.add_error("override_reason", exc.messages)
                return _form_page(request, citizen, form, outside, meeting, 422, warning=exc)
            except MeetingConflict as exc:
                form.add_error(
                    None,
                    _(
                        "Not saved: someone else changed the meeting while you were working "
                        "(it is now version %(now)s). Reload it and make your change again."
                    )
                    % {"now": exc.current},
                )
                return _form_page(request, citizen, form, outside, meeting, 409)
            except ValidationError as exc:
                form.put_errors(exc)
            else:
                for notice in outcome.notices:
                    messages.warning(request, notice)
                messages.success(request, _("The meeting is changed and the participants told."))
                return redirect("citizens:meeting", citizen.uuid, meeting.uuid)
        return _form_page(request, citizen, form, outside, meeting, 422)
    return _form_page(request, citizen, form, outside, meeting)


@login_required
@require_POST
@performs(actions.PLAN)
def meeting_cancel(request, citizen_uuid, meeting_uuid):
    citizen = get_visible_citizen(request.user, citizen_uuid, "meeting", Action.UPDATE)
    meeting = _meeting(citizen, meeting_uuid)
    form = CancelForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the meeting is cancelled."))
        return redirect("citizens:meeting", citizen.uuid, meeting.uuid)
    try:
        services.cancel_meeting(
            meeting, request.user, form.cleaned_data["version"], form.cleaned_data["reason"]
        )
    except MeetingConflict:
        messages.error(request, _("Not cancelled: the meeting changed meanwhile. Look again."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The meeting is cancelled and the participants told."))
    return redirect("citizens:meeting", citizen.uuid, meeting.uuid)


def _detail_context(request, citizen, meeting) -> dict:
    withheld = _minutes_withheld(request, citizen, meeting)
    minutes = None
    decisions = []
    if not withheld:
        minutes = (
            Minutes.objects.filter(meeting=meeting)
            .select_related("approved_by")
            .prefetch_related(
                Prefetch(
                    "decisions",
                    queryset=Decision.objects.select_related(
                        "responsible__professional", "activity", "goal"
                    ),
                )
            )
            .order_by("-number")
            .first()
        )
        decisions = list(minutes.decisions.all()) if minutes else []
    plan = get_or_create_plan(citizen, request.user) if hasattr(citizen, "plan") else None
    return {
        "citizen": citizen,
        "meeting": meeting,
        "participants": list(meeting.participants.select_related("organisation")),
        "agenda": list(meeting.agenda.all()),
        "agenda_form": AgendaItemForm(),
        "withheld": withheld,
        "minutes": minutes,
        "decisions": decisions,
        "plan_version": plan.version if plan else 0,
        # One small form per decision row: no ids, so none repeats on the page.
        "to_plan_form": ToPlanForm(
            auto_id=False, initial={"plan_version": plan.version if plan else 0}
        ),
        "requests": services.requests_of(meeting),
        "may_answer": services.may_answer(request.user, meeting),
        "online_kind": PlaceKind.ONLINE,
        "deadline_missed": bool(
            meeting.deadline and timezone.localtime(meeting.starts_at).date() > meeting.deadline
        ),
        "tab": "meetings",
    }


@login_required
@require_safe
def meeting_detail(request, citizen_uuid, meeting_uuid):
    citizen = get_visible_citizen(request.user, citizen_uuid, "meeting")
    meeting = _meeting(citizen, meeting_uuid)
    return render(request, "meetings/detail.html", _detail_context(request, citizen, meeting))


@login_required
@require_POST
@performs(actions.ANSWER_REQUEST)
def request_answer(request, citizen_uuid, meeting_uuid, request_uuid):
    """The convener (or the coordinating caseworker) accepts or declines what the citizen asked
    for in Min plan; she sees the answer there."""
    citizen = get_visible_citizen(request.user, citizen_uuid, "meeting", Action.UPDATE)
    meeting = _meeting(citizen, meeting_uuid)
    req = get_object_or_404(MeetingRequest, meeting=meeting, uuid=request_uuid)
    decision = request.POST.get("decision", "")
    if decision not in ("accept", "decline"):
        messages.error(request, _("Choose whether to accept or decline the request."))
        return redirect(
            reverse("citizens:meeting", args=[citizen.uuid, meeting.uuid]) + "#requests"
        )
    place = {name: request.POST.get(name, "") for name in ("place_detail", "online_link")}
    try:
        outcome = services.answer_request(
            req, request.user, decision == "accept", request.POST.get("answer", ""), place
        )
    except MeetingConflict:
        messages.error(request, _("Not saved: the meeting changed meanwhile. Look again."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        for notice in outcome.notices:
            messages.warning(request, notice)
        if decision == "accept":
            messages.success(request, _("The request is accepted and the meeting changed."))
        else:
            messages.success(request, _("The request is declined. The citizen sees your answer."))
    return redirect(reverse("citizens:meeting", args=[citizen.uuid, meeting.uuid]) + "#requests")


@login_required
@require_POST
@performs(actions.ADD_AGENDA_ITEM)
def agenda_add(request, citizen_uuid, meeting_uuid):
    citizen = get_visible_citizen(request.user, citizen_uuid, "meeting", Action.UPDATE)
    meeting = _meeting(citizen, meeting_uuid)
    form = AgendaItemForm(request.POST)
    status = 200
    if form.is_valid():
        try:
            services.add_agenda_item(
                meeting, request.user, form.cleaned_data["title"], form.cleaned_data["area"]
            )
            form = AgendaItemForm()
        except ValidationError as exc:
            form.add_error(None, exc.messages if not hasattr(exc, "error_dict") else exc)
            status = 422
    else:
        status = 422
    ctx = {
        "citizen": citizen,
        "meeting": meeting,
        "agenda": list(meeting.agenda.all()),
        "agenda_form": form,
    }
    if request.htmx:
        return render(request, "meetings/_agenda.html", ctx, status=status)
    if status != 200:
        messages.error(request, " ".join(str(e) for e in form.non_field_errors() or form.errors))
    return redirect("citizens:meeting", citizen.uuid, meeting.uuid)


@login_required
@require_safe
def agenda_pdf(request, citizen_uuid, meeting_uuid):
    """The printable agenda for the citizen."""
    from django.template.loader import render_to_string
    from weasyprint import CSS, HTML

    citizen = get_visible_citizen(request.user, citizen_uuid, "meeting", Action.EXPORT)
    meeting = _meeting(citizen, meeting_uuid)
    html = render_to_string(
        "meetings/agenda_print.html",
        {
            "citizen": citizen,
            "meeting": meeting,
            "participants": list(meeting.participants.select_related("organisation")),
            "agenda": list(meeting.agenda.all()),
        },
        request=request,
    )
    pdf = HTML(string=html).write_pdf(stylesheets=[CSS(string=PRINT_CSS)])
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="dagsorden-{meeting.starts_at:%Y%m%d}.pdf"'
    return response


# Large, plain print for the citizen (a stylesheet, not inline: the templates stay CSP-clean).
PRINT_CSS = (
    "body{font-family:sans-serif;font-size:13pt;margin:2cm}h1{font-size:20pt}"
    "dt{font-weight:bold;margin-top:.4em}li{margin:.3em 0}"
)


def _minutes_page(request, citizen, meeting, form, status=200, **extra):
    ctx = _detail_context(request, citizen, meeting)
    ctx.update(
        form=form,
        decision_form=extra.pop("decision_form", None) or DecisionForm(citizen=citizen),
        **extra,
    )
    return render(request, "meetings/minutes.html", ctx, status=status)


@login_required
@performs(actions.WRITE_MINUTES)
def minutes_edit(request, citizen_uuid, meeting_uuid):
    action = Action.UPDATE if request.method == "POST" else Action.READ
    citizen = get_visible_citizen(request.user, citizen_uuid, "minutes", action)
    meeting = _meeting(citizen, meeting_uuid)
    _refuse_withheld(request, citizen, meeting)
    minutes = services.current_minutes(meeting) or Minutes(meeting=meeting, number=1)
    form = MinutesForm(request.POST or None, instance=minutes, meeting=meeting)
    if request.method == "POST":
        if form.is_valid():
            try:
                if minutes.pk is None:
                    minutes = services.start_minutes(meeting, request.user)
                data = {n: form.cleaned_data[n] for n in form.fields if n != "attended"}
                services.save_minutes(
                    minutes, request.user, data, {p.pk for p in form.cleaned_data["attended"]}
                )
            except ValidationError as exc:
                form.add_error(None, exc.messages)
            else:
                messages.success(request, _("The minutes are saved."))
                return redirect("citizens:meeting_minutes", citizen.uuid, meeting.uuid)
        return _minutes_page(request, citizen, meeting, form, 422)
    return _minutes_page(request, citizen, meeting, form)


def _load_minutes(request, citizen_uuid, meeting_uuid):
    citizen = get_visible_citizen(request.user, citizen_uuid, "minutes", Action.UPDATE)
    meeting = _meeting(citizen, meeting_uuid)
    _refuse_withheld(request, citizen, meeting)
    return citizen, meeting, services.current_minutes(meeting)


@login_required
@require_POST
@performs(actions.WRITE_MINUTES)
def decision_add(request, citizen_uuid, meeting_uuid):
    citizen, meeting, minutes = _load_minutes(request, citizen_uuid, meeting_uuid)
    form = DecisionForm(request.POST, citizen=citizen)
    if form.is_valid():
        try:
            if minutes is None:
                minutes = services.start_minutes(meeting, request.user)
            services.add_decision(minutes, request.user, form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, _("The decision is recorded."))
            return redirect("citizens:meeting_minutes", citizen.uuid, meeting.uuid)
    minutes_form = MinutesForm(instance=minutes or Minutes(number=1), meeting=meeting)
    return _minutes_page(request, citizen, meeting, minutes_form, 422, decision_form=form)


@login_required
@require_POST
@performs(actions.DECISION_TO_PLAN)
def decision_to_plan(request, citizen_uuid, meeting_uuid, decision_uuid):
    citizen, meeting, minutes = _load_minutes(request, citizen_uuid, meeting_uuid)
    decision = get_object_or_404(Decision, minutes__meeting=meeting, uuid=decision_uuid)
    form = ToPlanForm(request.POST)
    minutes_form = MinutesForm(instance=minutes or Minutes(number=1), meeting=meeting)
    if not form.is_valid():
        return _minutes_page(
            request,
            citizen,
            meeting,
            minutes_form,
            400,
            page_error=_("Reload the page: the plan version it showed is missing."),
        )
    try:
        services.decision_to_plan(
            decision,
            request.user,
            form.cleaned_data["plan_version"],
            as_goal=form.cleaned_data["make"] == "goal",
            legal_basis=form.cleaned_data["legal_basis"],
            track=form.cleaned_data["track"],
        )
    except PlanConflict as exc:
        return _minutes_page(request, citizen, meeting, minutes_form, 409, conflict=exc)
    except ValidationError as exc:
        return _minutes_page(
            request, citizen, meeting, minutes_form, 422, page_error=" ".join(exc.messages)
        )
    messages.success(request, _("The decision is now in the plan (a new plan version)."))
    return redirect("citizens:meeting_minutes", citizen.uuid, meeting.uuid)


@login_required
@require_POST
@performs(actions.APPROVE_MINUTES)
def minutes_approve(request, citizen_uuid, meeting_uuid):
    citizen, meeting, minutes = _load_minutes(request, citizen_uuid, meeting_uuid)
    try:
        if minutes is None:
            raise ValidationError(_("Write the minutes before approving them."))
        services.approve_minutes(minutes, request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The minutes are approved and locked."))
    return redirect("citizens:meeting", citizen.uuid, meeting.uuid)


@login_required
@require_POST
@performs(actions.APPROVE_MINUTES)
def minutes_correct(request, citizen_uuid, meeting_uuid):
    citizen, meeting, minutes = _load_minutes(request, citizen_uuid, meeting_uuid)
    try:
        if minutes is None:
            raise ValidationError(_("There are no minutes to correct."))
        services.correct_minutes(minutes, request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("citizens:meeting", citizen.uuid, meeting.uuid)
    messages.success(request, _("A new version of the minutes is open for the correction."))
    return redirect("citizens:meeting_minutes", citizen.uuid, meeting.uuid)


@login_required
@require_POST
@performs(actions.SEND_MINUTES)
def minutes_send(request, citizen_uuid, meeting_uuid):
    from enplan.messaging.sending import ConsentMissing

    from .invitations import send_minutes

    citizen, meeting, minutes = _load_minutes(request, citizen_uuid, meeting_uuid)
    require(request.user, actions.SEND_MINUTES, citizen, origin_id=meeting.origin_id)
    if minutes is None or not minutes.locked:
        messages.error(request, _("Approve the minutes before sending them."))
        return redirect("citizens:meeting", citizen.uuid, meeting.uuid)
    try:
        sent = send_minutes(minutes, request.user)
    except ConsentMissing as exc:
        messages.error(request, " ".join(exc.messages))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if sent:
            messages.success(
                request,
                _("The minutes are sent as CareCommunication to: %(who)s")
                % {"who": ", ".join(p.name for p in sent)},
            )
        else:
            messages.info(request, _("No participant is outside enplan: nothing to send."))
    return redirect("citizens:meeting", citizen.uuid, meeting.uuid)


@login_required
@require_safe
def my_meetings(request):
    from enplan.audit.services import record_list

    require_professional(request.user)
    lists = services.my_meetings(request.user)
    shown = {
        m.citizen_id: m.citizen
        for key in ("upcoming", "minutes_missing", "discharge_late")
        for m in lists[key]
    }
    shown.update({f.meeting.citizen_id: f.meeting.citizen for f in lists["followups_due"]})
    record_list(request.user, shown.values(), "meetings")
    lists["cooperation_due"] = services.cooperation_due(request.user)
    return render(request, "meetings/mine.html", lists)


@login_required
@require_safe
def my_meetings_summary(request):
    """The caseload's panel: how many meetings need the professional, as counts linking to
    My meetings. Loaded after the caseload so the list itself stays one fast query; it
    names no citizen, so there is nothing personal to audit."""
    require_professional(request.user)
    if not request.htmx:  # a fragment; without htmx the whole page is the answer
        return redirect("meetings:mine")
    lists = services.my_meetings(request.user)
    counts = {key: len(rows) for key, rows in lists.items()}
    counts["cooperation_due"] = len(services.cooperation_due(request.user))
    return render(request, "meetings/_summary.html", {"counts": counts})


def _professional_only(request):
    require_professional(request.user)
    if getattr(request.user, "professional_or_none", None) is None:
        raise PermissionDenied(_("Only professionals plan meetings."))


@login_required
@performs(actions.COOPERATION)
def cooperation_new(request):
    """Plan a samarbejdsmøde with partner organisations (no citizen, no personal data)."""
    _professional_only(request)
    form = CooperationForm(
        request.POST or None, partners=services.partner_organisations(request.user)
    )
    if request.method == "POST" and form.is_valid():
        data = {n: form.cleaned_data[n] for n in ("purpose", "starts_at", "ends_at", "place")}
        if data["starts_at"] and not data["ends_at"]:
            minutes = services.rule_for("cooperation").duration_minutes
            data["ends_at"] = data["starts_at"] + timedelta(minutes=minutes)
        try:
            services.plan_cooperation(request.user, data, list(form.cleaned_data["partners"]))
        except ValidationError as exc:
            for name, errors in exc.error_dict.items():
                form.add_error(name if name in form.fields else None, errors)
        else:
            messages.success(request, _("The samarbejdsmøde is planned."))
            return redirect("meetings:mine")
    return render(
        request,
        "core/form_page.html",
        {"form": form, "title": _("Plan a samarbejdsmøde"), "cancel_url": "/meetings/"},
        status=422 if form.is_bound else 200,
    )


@login_required
@require_POST
@performs(actions.COOPERATION)
def cooperation_held(request, cooperation_uuid):
    _professional_only(request)
    meeting = get_object_or_404(CooperationMeeting, uuid=cooperation_uuid)
    try:
        services.mark_cooperation_held(meeting, request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The samarbejdsmøde is marked as held."))
    return redirect("meetings:mine")
