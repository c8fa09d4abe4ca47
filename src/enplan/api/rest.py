"""REST API v1: citizens, network and plans. Every endpoint fetches through the same scoped
access and validates through the same forms and services as the pages."""

from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Status
from ninja.errors import HttpError

from enplan.audit.models import Action
from enplan.audit.services import accesses_to, record
from enplan.caseload.forms import NewCitizenForm
from enplan.caseload.joining import REGISTRATION_RECEIVED, register_or_ask
from enplan.caseload.queries import caseload, mask_caseload
from enplan.caseload.services import update_details
from enplan.citizens import actions as citizen_actions
from enplan.citizens.access import get_visible_citizen, require_professional
from enplan.citizens.forms import CitizenForm
from enplan.consent import actions as consent_actions
from enplan.consent import services as consent_services
from enplan.consent.forms import ConsentForm
from enplan.consent.models import Consent
from enplan.consent.policy import for_viewer
from enplan.core.actions import performs
from enplan.network import actions as network_actions
from enplan.network import services as network_services
from enplan.network.forms import HandoverForm, MemberForm
from enplan.network.models import NetworkMembership
from enplan.plans import actions as plan_actions
from enplan.plans import services as plan_services
from enplan.plans.forms import ActivityForm, DeleteForm, GoalForm, TrackForm
from enplan.plans.models import PLAN_FIELD_CATEGORIES, Activity, Goal, Track
from enplan.plans.services import PlanConflict
from enplan.plans.snapshots import redact, version_withheld

from . import schemas as s
from .auth import AUTH
from .errors import DocumentedAPI
from .forms import FormInvalid, bind
from .insights import insights
from .meetings import meetings
from .messaging import messaging
from .serializers import activity_out, citizen_out, citizen_summary, member_out, plan_out

api = DocumentedAPI(
    title="enplan API",
    version="1",
    description=(
        "Citizens, care networks and shared plans. Authenticate with a session cookie (and "
        "the CSRF token) or `Authorization: Bearer <token>`. Every call is scoped to the "
        "citizens in the caller's care networks; others answer 404. Plan changes carry the "
        "`version` the caller last saw and answer 409 if the plan changed since."
    ),
    auth=AUTH,
    urls_namespace="api-v1",
)


@api.exception_handler(FormInvalid)
def form_invalid(request, exc: FormInvalid):
    errors = {k: [str(m) for m in v] for k, v in exc.form.errors.items()}
    first = next(iter(errors.values()))[0] if errors else "Invalid input."
    return api.create_response(request, {"detail": first, "errors": errors}, status=422)


@api.exception_handler(PlanConflict)
def plan_conflict(request, exc: PlanConflict):
    return api.create_response(
        request,
        {
            "detail": (
                f"The plan changed since version {exc.expected} (it is now version "
                f"{exc.current}). Reload it and apply your change again."
            ),
            "current_version": exc.current,
        },
        status=409,
    )


@api.exception_handler(PermissionDenied)
def forbidden(request, exc: PermissionDenied):
    return api.create_response(request, {"detail": str(exc) or "You may not do this."}, status=403)


@api.exception_handler(ValidationError)
def domain_invalid(request, exc: ValidationError):
    return api.create_response(
        request, {"detail": " ".join(exc.messages), "errors": {"__all__": exc.messages}}, status=422
    )


citizens = Router(tags=["citizens"])
network = Router(tags=["network"])
plans = Router(tags=["plans"])

ERRORS = {403: s.Error, 404: s.Error, 422: s.ValidationErrors}
PLAN_ERRORS = {**ERRORS, 409: s.Conflict}


@citizens.get("", response=dict[str, object], summary="My citizens (caseload)")
def list_citizens(
    request,
    q: str = "",
    coordinating_only: bool = False,
    limit: int = Query(50, ge=1, le=1000),
    offset: int = Query(0, ge=0, le=10_000_000),
):
    require_professional(request.user)
    limit = max(1, min(limit, 200))
    offset = max(0, offset)
    qs = caseload(request.user, coordinating_only=coordinating_only, search=q[:100])
    rows = list(qs[offset : offset + limit])
    mask_caseload(request.user, rows)
    return {
        "count": qs.count(),
        "items": [s.CitizenSummary(**citizen_summary(c)).model_dump() for c in rows],
    }


@citizens.post(
    "",
    response={202: s.RegistrationReceived, **ERRORS},
    summary="Register a citizen (or ask to join the network of one enplan knows)",
    description=(
        "Answers 202 alike whether or not enplan knows the CPR number, so that the answer "
        "reveals nothing: a new citizen is registered with the caller in `my_role`; for a "
        "known one the caller's request to join the network goes to the coordinating "
        "caseworker. The citizen then appears in GET /citizens (at once, or once accepted)."
    ),
)
@performs(citizen_actions.REGISTER, citizen_actions.REQUEST_TO_JOIN)
def create_citizen(request, payload: s.NewCitizenIn):
    require_professional(request.user)
    form = bind(
        NewCitizenForm,
        payload.model_dump(exclude_none=True),
        professional=request.user.professional_or_none,
    )
    register_or_ask(request.user, form)
    return Status(202, {"detail": str(REGISTRATION_RECEIVED)})


@citizens.get("/{citizen_id}", response={200: s.CitizenOut, **ERRORS})
def get_citizen(request, citizen_id: UUID):
    return citizen_out(get_visible_citizen(request.user, citizen_id))


@citizens.patch("/{citizen_id}", response={200: s.CitizenOut, **ERRORS})
@performs(citizen_actions.EDIT_DETAILS)
def update_citizen(request, citizen_id: UUID, payload: s.CitizenIn):
    citizen = get_visible_citizen(request.user, citizen_id)
    form = bind(CitizenForm, payload.model_dump(exclude_unset=True), instance=citizen)
    update_details(citizen, request.user, form)
    return citizen_out(citizen)


@network.get("/{citizen_id}/network", response={200: list[s.MemberOut], **ERRORS})
def list_network(request, citizen_id: UUID):
    citizen = get_visible_citizen(request.user, citizen_id, "network")
    members = NetworkMembership.objects.active().filter(citizen=citizen)
    return [member_out(m) for m in members.select_related("professional", "organisation")]


@network.post("/{citizen_id}/network", response={201: s.MemberOut, **ERRORS})
@performs(network_actions.ADD_MEMBER)
def add_network_member(request, citizen_id: UUID, payload: s.MemberIn):
    citizen = get_visible_citizen(request.user, citizen_id)
    form = bind(MemberForm, payload.model_dump(exclude_unset=True))
    return Status(
        201, member_out(network_services.add_member(citizen, request.user, **form.cleaned_data))
    )


@network.post("/{citizen_id}/network/handover", response={201: s.MemberOut, **ERRORS})
@performs(network_actions.HAND_OVER)
def hand_over(request, citizen_id: UUID, payload: s.HandoverIn):
    citizen = get_visible_citizen(request.user, citizen_id)
    form = bind(HandoverForm, payload.model_dump())
    network_services.hand_over(citizen, request.user, **form.cleaned_data)
    return Status(201, member_out(network_services.coordinator_of(citizen)))


@network.delete("/{citizen_id}/network/{member_id}", response={204: None, **ERRORS})
@performs(network_actions.REMOVE_MEMBER, network_actions.LEAVE)
def remove_network_member(request, citizen_id: UUID, member_id: UUID):
    citizen = get_visible_citizen(request.user, citizen_id)
    membership = get_object_or_404(
        NetworkMembership.objects.visible_to(request.user).active(), citizen=citizen, uuid=member_id
    )
    network_services.end_membership(membership, request.user)
    return Status(204, None)


def _plan(request, citizen_id):
    """The plan to read (an empty unsaved one if the citizen has none yet: a GET never
    writes) or, for a write, the stored plan, created at this first write if need be."""
    citizen = get_visible_citizen(request.user, citizen_id, "plan")
    if request.method in ("GET", "HEAD"):
        return plan_services.plan_of(citizen)
    return plan_services.create_plan(citizen, request.user)


def _policy(request, plan):
    return for_viewer(request.user, plan.citizen)


def _shared(request, plan, obj):
    """Refuse to touch what the caller may not see (the same rule as the pages)."""
    if _policy(request, plan).withheld_item(obj):
        record(request.user, plan.citizen, Action.REFUSED, obj, reason="consent")
        raise HttpError(403, "This is not shared with you: the citizen's consent is missing.")
    return obj


def _fresh(request, plan):
    plan.refresh_from_db()
    return plan_out(plan, _policy(request, plan))


@plans.get("/{citizen_id}/plan", response={200: s.PlanOut, **ERRORS})
def get_plan(request, citizen_id: UUID):
    plan = _plan(request, citizen_id)
    return plan_out(plan, _policy(request, plan))


@plans.patch("/{citizen_id}/plan", response={200: s.PlanOut, **PLAN_ERRORS})
@performs(plan_actions.EDIT_PLAN)
def update_plan(request, citizen_id: UUID, payload: s.PlanIn):
    from enplan.plans.forms import PlanFollowupForm, PlanGoalsForm

    plan = _plan(request, citizen_id)
    data = payload.model_dump(exclude_unset=True)
    policy = _policy(request, plan)
    for name in data:
        if name in PLAN_FIELD_CATEGORIES and plan.field_withheld(policy, name):
            record(request.user, plan.citizen, Action.REFUSED, plan, reason="consent")
            raise HttpError(403, f"'{name}' is not shared with you: the consent is missing.")
    changes = {}
    for form_class in (PlanGoalsForm, PlanFollowupForm):
        part = {k: v for k, v in data.items() if k in form_class._meta.fields}
        if part:
            changes |= bind(
                form_class, {**part, "version": payload.version}, instance=plan
            ).changes()
    if changes:
        plan_services.update_plan(plan, request.user, payload.version, changes)
    return _fresh(request, plan)


@plans.post("/{citizen_id}/plan/goals", response={201: s.GoalOut, **PLAN_ERRORS})
@performs(plan_actions.ADD_GOAL)
def add_goal(request, citizen_id: UUID, payload: s.GoalIn):
    plan = _plan(request, citizen_id)
    form = bind(GoalForm, payload.model_dump(exclude_unset=True), instance=Goal())
    goal = plan_services.add_goal(plan, request.user, form.expected_version(), form.changes())
    return Status(201, {**form.changes(), "id": goal.uuid})


@plans.patch("/{citizen_id}/plan/goals/{goal_id}", response={200: s.GoalOut, **PLAN_ERRORS})
@performs(plan_actions.EDIT_GOAL)
def update_goal(request, citizen_id: UUID, goal_id: UUID, payload: s.GoalIn):
    plan = _plan(request, citizen_id)
    goal = _shared(request, plan, get_object_or_404(Goal, plan=plan, uuid=goal_id))
    form = bind(GoalForm, payload.model_dump(exclude_unset=True), instance=goal)
    plan_services.update_goal(goal, request.user, form.expected_version(), form.changes())
    return {**form.changes(), "id": goal.uuid}


@plans.delete("/{citizen_id}/plan/goals/{goal_id}", response={204: None, **PLAN_ERRORS})
@performs(plan_actions.REMOVE_GOAL)
def remove_goal(request, citizen_id: UUID, goal_id: UUID, version: int):
    plan = _plan(request, citizen_id)
    goal = _shared(request, plan, get_object_or_404(Goal, plan=plan, uuid=goal_id))
    form = bind(DeleteForm, {"version": version})
    plan_services.remove_goal(goal, request.user, form.expected_version())
    return Status(204, None)


@plans.post("/{citizen_id}/plan/activities", response={201: s.ActivityOut, **PLAN_ERRORS})
@performs(plan_actions.ADD_ACTIVITY)
def add_activity(request, citizen_id: UUID, payload: s.ActivityIn):
    plan = _plan(request, citizen_id)
    form = bind(
        ActivityForm, payload.model_dump(exclude_unset=True), instance=Activity(), plan=plan
    )
    activity = plan_services.add_activity(
        plan, request.user, form.expected_version(), form.changes()
    )
    return Status(201, activity_out(activity))


@plans.patch(
    "/{citizen_id}/plan/activities/{activity_id}", response={200: s.ActivityOut, **PLAN_ERRORS}
)
@performs(plan_actions.EDIT_ACTIVITY)
def update_activity(request, citizen_id: UUID, activity_id: UUID, payload: s.ActivityIn):
    plan = _plan(request, citizen_id)
    activity = _shared(request, plan, get_object_or_404(Activity, plan=plan, uuid=activity_id))
    form = bind(
        ActivityForm,
        payload.model_dump(exclude_unset=True),
        instance=activity,
        plan=plan,
        policy=_policy(request, plan),
    )
    plan_services.update_activity(activity, request.user, form.expected_version(), form.changes())
    return activity_out(activity)


@plans.delete("/{citizen_id}/plan/activities/{activity_id}", response={204: None, **PLAN_ERRORS})
@performs(plan_actions.REMOVE_ACTIVITY)
def remove_activity(request, citizen_id: UUID, activity_id: UUID, version: int):
    plan = _plan(request, citizen_id)
    activity = _shared(request, plan, get_object_or_404(Activity, plan=plan, uuid=activity_id))
    form = bind(DeleteForm, {"version": version})
    plan_services.remove_activity(activity, request.user, form.expected_version())
    return Status(204, None)


@plans.patch("/{citizen_id}/plan/tracks/{track_id}", response={200: s.TrackOut, **PLAN_ERRORS})
@performs(plan_actions.EDIT_TRACK)
def update_track(request, citizen_id: UUID, track_id: UUID, payload: s.TrackIn):
    plan = _plan(request, citizen_id)
    track = _shared(request, plan, get_object_or_404(Track, plan=plan, uuid=track_id))
    form = bind(TrackForm, payload.model_dump(exclude_unset=True), instance=track)
    plan_services.update_track(track, request.user, form.expected_version(), form.changes())
    track.refresh_from_db()
    return {
        **{f: getattr(track, f) for f in s.TrackOut.model_fields if f != "id"},
        "id": track.uuid,
    }


def _subject(version, policy) -> str:
    """The version's subject line as the viewer may see it (same rule as the history page)."""
    return "" if version_withheld(version, policy) else version.subject


@plans.get("/{citizen_id}/plan/versions", response={200: list[s.VersionOut], **ERRORS})
def list_versions(request, citizen_id: UUID):
    plan = _plan(request, citizen_id)
    if plan.pk is None:  # not written yet
        return []
    policy = _policy(request, plan)
    return [
        {
            "number": v.number,
            "change": v.change,
            "subject": _subject(v, policy),
            "author": v.author.get_full_name() if v.author else None,
            "created_at": v.created_at,
        }
        for v in plan.versions.select_related("author").defer("snapshot")
    ]


@plans.get("/{citizen_id}/plan/versions/{number}", response={200: s.VersionDetail, **ERRORS})
def get_version(request, citizen_id: UUID, number: int):
    plan = _plan(request, citizen_id)
    if plan.pk is None:
        raise HttpError(404, "No such version of this plan.")
    v = get_object_or_404(plan.versions.select_related("author"), number=number)
    policy = _policy(request, plan)
    return {
        "number": v.number,
        "change": v.change,
        "subject": _subject(v, policy),
        "author": v.author.get_full_name() if v.author else None,
        "created_at": v.created_at,
        "snapshot": redact(v.snapshot, policy),
    }


consents = Router(tags=["consent"])


def consent_out(c) -> dict:
    org, src = c.recipient_organisation, c.source_organisation
    return {
        "id": c.uuid,
        "source_organisation": src.uuid if src else None,
        "source_organisation_name": src.name if src else None,
        "source_sector": c.source_sector,
        "source_any": c.source_any,
        "needs_review": c.needs_review,
        "has_document": bool(c.document_type),
        "recipient_organisation": org.uuid if org else None,
        "recipient_organisation_name": org.name if org else None,
        "recipient_sector": c.recipient_sector,
        "categories": c.categories,
        "purpose": c.purpose,
        "valid_from": c.valid_from,
        "valid_to": c.valid_to,
        "given_how": c.given_how,
        "state": c.state,
        "recorded_by": c.recorded_by.get_full_name() if c.recorded_by else None,
        "withdrawn_at": c.withdrawn_at,
    }


@consents.get("/{citizen_id}/consents", response={200: list[s.ConsentOut], **ERRORS})
def list_consents(request, citizen_id: UUID):
    citizen = get_visible_citizen(request.user, citizen_id, "consent")
    qs = citizen.consents.select_related(
        "source_organisation", "recipient_organisation", "recorded_by"
    ).defer("document")
    return [consent_out(c) for c in qs]


@consents.post("/{citizen_id}/consents", response={201: s.ConsentOut, **ERRORS})
@performs(consent_actions.RECORD)
def give_consent(request, citizen_id: UUID, payload: s.ConsentIn):
    citizen = get_visible_citizen(request.user, citizen_id, "consent")
    form = bind(
        ConsentForm, payload.model_dump(), citizen=citizen, user=request.user, anywhere=True
    )
    return Status(201, consent_out(consent_services.give(citizen, request.user, form.save(False))))


@consents.post(
    "/{citizen_id}/consents/{consent_id}/withdraw", response={200: s.ConsentOut, **ERRORS}
)
@performs(consent_actions.WITHDRAW)
def withdraw_consent(request, citizen_id: UUID, consent_id: UUID, payload: s.WithdrawIn):
    citizen = get_visible_citizen(request.user, citizen_id, "consent")
    consent = get_object_or_404(Consent, citizen=citizen, uuid=consent_id)
    return consent_out(consent_services.withdraw(consent, request.user, payload.note[:300]))


@citizens.get("/{citizen_id}/access-log", response={200: dict[str, object], **ERRORS})
def access_log(
    request,
    citizen_id: UUID,
    limit: int = Query(50, ge=1, le=1000),
    offset: int = Query(0, ge=0, le=10_000_000),
):
    """Who has looked at or changed the citizen's data (newest first)."""
    citizen = get_visible_citizen(request.user, citizen_id, "access_log")
    qs = accesses_to(citizen.uuid)
    limit, offset = max(1, min(limit, 500)), max(0, offset)
    return {
        "count": qs.count(),
        "items": [
            s.AccessOut(
                at=e.at,
                who=e.actor_name or e.actor,
                organisation=e.organisation,
                role=e.role,
                action=e.action,
                object_type=e.object_type,
                channel=(e.context or {}).get("channel", ""),
            ).model_dump()
            for e in qs[offset : offset + limit]
        ],
    }


api.add_router("/citizens", citizens)
api.add_router("/citizens", consents)
api.add_router("/citizens", network)
api.add_router("/citizens", plans)

api.add_router("", messaging)
api.add_router("/citizens", meetings)
api.add_router("/insights", insights)
