"""A citizen's pages for professionals: the caseload, registering a citizen, the overview,
details, contacts and the access log (templates in citizens/templates/citizens/)."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from enplan.audit.models import Action
from enplan.audit.services import accesses_to, log_lines
from enplan.citizens.access import get_visible_citizen
from enplan.citizens.actions import (
    DECIDE_JOIN_REQUEST,
    EDIT_DETAILS,
    REGISTER,
    REGISTER_CONTACT,
    REQUEST_TO_JOIN,
)
from enplan.citizens.forms import CitizenForm, ContactForm
from enplan.consent.policy import for_viewer
from enplan.core.actions import performs
from enplan.core.views import form_page
from enplan.network.models import NetworkMembership, NetworkRole
from enplan.network.services import can_hand_over, mark_endable
from enplan.plans.services import plan_of

from .forms import NewCitizenForm
from .joining import decide, is_coordinator, pending_for, register_or_ask
from .queries import CASELOAD_ORDERINGS, attach_next_meetings, caseload, mask_caseload
from .services import register_contact, update_details

_SENTINEL = uuid.UUID(int=0)
_SENTINEL_2 = uuid.UUID(int=1)


@login_required
@require_safe
def caseload_view(request):
    if not request.user.is_professional:
        raise PermissionDenied(_("Only professionals have a caseload."))
    coordinating = request.GET.get("mine") == "1"
    search = request.GET.get("q", "").strip()[:100]
    order = request.GET.get("order", "name")
    if order not in CASELOAD_ORDERINGS:
        order = "name"
    qs = caseload(request.user, coordinating_only=coordinating, search=search, order=order)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    mask_caseload(request.user, page.object_list)
    attach_next_meetings(page.object_list)
    # One reverse() for the page instead of one per row (each costs some 60 µs).
    overview = reverse("citizens:overview", args=[_SENTINEL])
    meeting = reverse("citizens:meeting", args=[_SENTINEL, _SENTINEL_2])
    for row in page.object_list:
        row.overview_url = overview.replace(str(_SENTINEL), str(row.uuid))
        # Set on every row: a template lookup of a missing attribute is slow (dir()).
        row.next_meeting_at = row.next_meeting_kind = row.next_meeting_url = None
        if row.next_meeting:
            at, kind, meeting_uuid = row.next_meeting
            row.next_meeting_url = meeting.replace(str(_SENTINEL), str(row.uuid)).replace(
                str(_SENTINEL_2), str(meeting_uuid)
            )
            row.next_meeting_at, row.next_meeting_kind = at, kind
    template = "citizens/_caseload_table.html" if request.htmx else "citizens/caseload.html"
    return render(
        request,
        template,
        {"page": page, "q": search, "mine": coordinating, "order": order},
    )


@login_required
@performs(REGISTER, REQUEST_TO_JOIN)
def citizen_new(request):
    """Register a citizen, or – if enplan knows the CPR number – ask to join the network.
    Both answer with the same redirect to the same page, so the answer reveals nothing."""
    professional = request.user.professional_or_none
    if professional is None:
        raise PermissionDenied(_("Only professionals can register citizens."))
    form = NewCitizenForm(request.POST or None, professional=professional)
    if request.method == "POST" and form.is_valid():
        try:
            citizen = register_or_ask(request.user, form)
        except ValidationError as e:
            form.add_error("my_role", e)
        else:
            if citizen is not None and form.existing is not None:
                return redirect("citizens:overview", citizen.uuid)  # already in the network
            return redirect("citizens:registered")
    return form_page(
        request,
        form,
        title=_("Register citizen"),
        action=reverse("citizens:new"),
        cancel_url=reverse("citizens:caseload"),
    )


@login_required
@require_safe
def citizen_registered(request):
    """The one answer to a registration: the same whether the citizen was new or known."""
    if request.user.professional_or_none is None:
        raise PermissionDenied(_("Only professionals can register citizens."))
    return render(request, "citizens/registered.html")


@login_required
@require_POST
@performs(DECIDE_JOIN_REQUEST)
def join_request_decide(request, citizen_uuid):
    """The coordinating caseworker accepts or declines a request to join the network."""
    citizen = get_visible_citizen(request.user, citizen_uuid, "joinrequest", Action.UPDATE)
    accept = request.POST.get("decision") == "accept"
    try:
        decide(
            request.user,
            citizen,
            request.POST.get("request", ""),
            accept=accept,
            role=request.POST.get("role", ""),
        )
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
        return redirect("citizens:overview", citizen.uuid)
    messages.success(
        request,
        _("The request is accepted: the person is now in the network.")
        if accept
        else _("The request is declined."),
    )
    return redirect("citizens:overview", citizen.uuid)


@login_required
@require_safe
def citizen_overview(request, citizen_uuid):
    citizen = get_visible_citizen(request.user, citizen_uuid)
    policy = for_viewer(request.user, citizen)
    courses = list(citizen.courses.all())
    contacts = list(citizen.contacts.select_related("registered_by")[:10])
    for item in [*courses, *contacts]:
        item.withheld = policy.withheld_item(item)
    members = (
        NetworkMembership.objects.filter(citizen=citizen)
        .select_related("professional", "organisation")
        .order_by("ended_at", "role", "started_at")
    )
    active = [m for m in members if m.ended_at is None]
    mark_endable(request.user, citizen, active)  # only who may end one sees its button
    return render(
        request,
        "citizens/overview.html",
        {
            "citizen": citizen,
            "plan": plan_of(citizen),
            "may_hand_over": can_hand_over(request.user, citizen),
            "members": active,
            "former_members": [m for m in members if m.ended_at is not None],
            "handovers": citizen.handovers.select_related(
                "from_professional", "to_professional", "handed_over_by"
            )[:10],
            "courses": courses,
            "contacts": contacts,
            "contact_form": ContactForm(),
            "join_requests": pending_for(citizen) if is_coordinator(request.user, citizen) else [],
            "join_roles": [r for r in NetworkRole.choices if r[0] != NetworkRole.COORDINATOR],
            "me": next(
                (m for m in active if m.professional and m.professional.user_id == request.user.pk),
                None,
            ),
        },
    )


@login_required
@performs(EDIT_DETAILS)
def citizen_edit(request, citizen_uuid):
    citizen = get_visible_citizen(request.user, citizen_uuid)
    form = CitizenForm(request.POST or None, instance=citizen)
    if request.method == "POST" and form.is_valid():
        update_details(citizen, request.user, form)
        messages.success(request, _("The citizen's details are saved."))
        return redirect("citizens:overview", citizen.uuid)
    return form_page(
        request,
        form,
        title=_("Edit details"),
        action=reverse("citizens:edit", args=[citizen.uuid]),
        citizen=citizen,
        cancel_url=reverse("citizens:overview", args=[citizen.uuid]),
    )


@login_required
@require_POST
@performs(REGISTER_CONTACT)
def contact_new(request, citizen_uuid):
    citizen = get_visible_citizen(request.user, citizen_uuid)
    form = ContactForm(request.POST)
    if form.is_valid():
        register_contact(citizen, request.user, form.save(commit=False))
        messages.success(request, _("The contact is registered."))
        return redirect("citizens:overview", citizen.uuid)
    return form_page(
        request,
        form,
        title=_("Register contact"),
        action=reverse("citizens:contact_new", args=[citizen.uuid]),
        citizen=citizen,
        cancel_url=reverse("citizens:overview", args=[citizen.uuid]),
    )


@login_required
@require_safe
def access_log(request, citizen_uuid):
    """Who has looked at or changed this citizen's data – the list the citizen is entitled to."""
    citizen = get_visible_citizen(request.user, citizen_uuid, "access_log")
    page = Paginator(accesses_to(citizen.uuid), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "citizens/access_log.html",
        {"citizen": citizen, "page": page, "lines": log_lines(page.object_list), "tab": "log"},
    )
