"""FHIR R4 read endpoints: a citizen's CarePlan (with its Goals) and CareTeam.

Resources are built and validated with fhir.resources' R4B models (R4B is the technical
correction of R4 and identical for these resources). Access is the same scoped lookup as
everywhere else.
"""

import json
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.urls import reverse
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.careplan import CarePlan
from fhir.resources.R4B.careteam import CareTeam
from fhir.resources.R4B.consent import Consent
from ninja.errors import AuthenticationError

from enplan.citizens.access import get_visible_citizen
from enplan.consent.policy import for_viewer
from enplan.network.models import NetworkMembership
from enplan.plans.views import plan_context

from .auth import AUTH
from .errors import DocumentedAPI

FHIR_JSON = "application/fhir+json"
SOR_SYSTEM = "urn:oid:1.2.208.176.1.1"
ROLE_SYSTEM = "urn:enplan:network-role"
AREA_SYSTEM = "urn:enplan:conversation-area"

GOAL_STATUS = {
    "open": ("proposed", None),
    "in_progress": ("active", "in-progress"),
    "achieved": ("completed", "achieved"),
    "dropped": ("cancelled", "not-achieved"),
}
ACTIVITY_STATUS = {
    "planned": "scheduled",
    "ongoing": "in-progress",
    "waiting": "on-hold",
    "done": "completed",
    "cancelled": "cancelled",
}

fhir_api = DocumentedAPI(
    fhir=True,
    title="enplan FHIR R4",
    version="r4",
    description="Read-only FHIR R4 CarePlan (with contained Goals) and CareTeam.",
    auth=AUTH,
    urls_namespace="fhir",
)


def _outcome(status: int, code: str, text: str) -> HttpResponse:
    body = {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": code, "diagnostics": text}],
    }
    return HttpResponse(json.dumps(body), status=status, content_type=FHIR_JSON)


@fhir_api.exception_handler(Http404)
def not_found(request, exc):
    return _outcome(404, "not-found", "No such resource in your networks.")


@fhir_api.exception_handler(PermissionDenied)
def forbidden(request, exc):
    return _outcome(403, "forbidden", str(exc) or "Not allowed.")


@fhir_api.exception_handler(AuthenticationError)
def unauthenticated(request, exc):
    return _outcome(401, "login", "Log in or send a bearer token.")


def _resource(model) -> HttpResponse:
    return HttpResponse(model.model_dump_json(exclude_none=True), content_type=FHIR_JSON)


def _patient_ref(citizen) -> dict:
    return {"reference": f"Patient/{citizen.uuid}", "display": citizen.full_name}


def _org_ref(org) -> dict:
    ref = {"display": org.name, "type": "Organization"}
    if org.sor_code:
        ref["identifier"] = {"system": SOR_SYSTEM, "value": org.sor_code}
    return ref


def careplan(citizen, plan, policy) -> CarePlan:
    """The plan as the viewer may see it; what is not shared under consent is left out."""
    ctx = plan_context(plan, policy)
    goals = []
    for g in (g for g in ctx["goals"] if not g.withheld):
        lifecycle, achievement = GOAL_STATUS[g.status]
        goal = {
            "resourceType": "Goal",
            "id": f"goal-{g.uuid}",
            "lifecycleStatus": lifecycle,
            "description": {"text": g.title},
            "subject": _patient_ref(citizen),
        }
        if achievement:
            goal["achievementStatus"] = {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/goal-achievement",
                        "code": achievement,
                    }
                ]
            }
        if g.area:
            goal["category"] = [
                {
                    "coding": [{"system": AREA_SYSTEM, "code": str(g.area)}],
                    "text": str(g.get_area_display()),
                }
            ]
        if g.target_date:
            goal["target"] = [{"dueDate": g.target_date.isoformat()}]
        if g.evaluation:
            goal["note"] = [{"text": g.evaluation}]
        goals.append(goal)
    activities = []
    for a in (a for a in ctx["activities"] if not a.withheld):
        detail = {
            "status": ACTIVITY_STATUS[a.status],
            "description": a.title,
            "code": {
                "text": str(a.get_legal_basis_display())
                + (f" ({a.legal_reference})" if a.legal_reference else "")
            },
            "reasonCode": [{"text": a.purpose}],
            "scheduledPeriod": {
                "start": a.starts_on.isoformat(),
                **({"end": a.ends_on.isoformat()} if a.ends_on else {}),
            },
        }
        performers = []
        if a.responsible and a.responsible.professional:
            performers.append({"display": a.responsible.professional.name, "type": "Practitioner"})
        if a.organisation:
            performers.append(_org_ref(a.organisation))
        if performers:
            detail["performer"] = performers
        if a.goal:
            detail["goal"] = [{"reference": f"#goal-{a.goal.uuid}"}]
        activities.append({"detail": detail})
    fields = ctx["fields"]
    notes = [
        {"text": f"{fields[f]['label']}: {fields[f]['value']}"}
        for f in (
            "area_future",
            "area_everyday",
            "area_health",
            "area_psychiatry",
            "area_jobcenter",
        )
        if fields[f]["value"] and not fields[f]["withheld"]
    ]
    data = {
        "resourceType": "CarePlan",
        "id": str(plan.uuid),
        "meta": {"versionId": str(plan.version), "lastUpdated": plan.updated_at.isoformat()},
        "status": "active",
        "intent": "plan",
        "title": f"En plan – {citizen.full_name}",
        "subject": _patient_ref(citizen),
        "created": plan.created_at.isoformat(),
        "careTeam": [{"reference": f"CareTeam/{citizen.uuid}"}],
    }
    if plan.final_goal and not fields["final_goal"]["withheld"]:
        data["description"] = plan.final_goal
    if goals:
        data["contained"] = goals
        data["goal"] = [{"reference": f"#{g['id']}"} for g in goals]
    if activities:
        data["activity"] = activities
    if notes:
        data["note"] = notes
    return CarePlan.model_validate(data)


def careteam(citizen) -> CareTeam:
    members = NetworkMembership.objects.active().filter(citizen=citizen)
    participants = []
    for m in members.select_related("professional", "organisation"):
        p = {
            "role": [
                {
                    "coding": [{"system": ROLE_SYSTEM, "code": m.role}],
                    "text": str(m.get_role_display()),
                }
            ],
            "onBehalfOf": _org_ref(m.organisation),
            "period": {"start": m.started_at.isoformat()},
        }
        p["member"] = (
            {"display": m.professional.name, "type": "Practitioner"}
            if m.professional
            else _org_ref(m.organisation)
        )
        participants.append(p)
    data = {
        "resourceType": "CareTeam",
        "id": str(citizen.uuid),
        "status": "active",
        "name": f"Netværk – {citizen.full_name}",
        "subject": _patient_ref(citizen),
    }
    if participants:
        data["participant"] = participants
    return CareTeam.model_validate(data)


@fhir_api.get(
    "/CarePlan/{plan_id}",
    summary="Read a CarePlan",
    openapi_extra={"responses": {200: {"content": {FHIR_JSON: {}}}}},
)
def read_careplan(request, plan_id: UUID):
    from enplan.plans.models import Plan

    plan = (
        Plan.objects.visible_to(request.user).select_related("citizen").filter(uuid=plan_id).first()
    )
    if plan is None:
        raise Http404
    citizen = get_visible_citizen(request.user, plan.citizen.uuid, "plan")
    return _resource(careplan(citizen, plan, for_viewer(request.user, citizen)))


@fhir_api.get("/CarePlan", summary="Search CarePlans by subject (Patient/<citizen id>)")
def search_careplan(request, subject: str = "", patient: str = ""):
    from enplan.plans.models import Plan

    ref = (subject or patient).removeprefix("Patient/")
    entries = []
    try:
        citizen = get_visible_citizen(request.user, UUID(ref), "plan")
    except (ValueError, Http404):
        plan = None
    else:
        plan = Plan.objects.filter(citizen=citizen).first()  # none yet: no match (GET: no write)
    if plan is not None:
        url = request.build_absolute_uri(reverse("fhir:read_careplan", args=[plan.uuid]))
        entries = [
            {
                "fullUrl": url,
                "resource": careplan(citizen, plan, for_viewer(request.user, citizen)),
                "search": {"mode": "match"},
            }
        ]
    bundle = Bundle.model_validate(
        {
            "resourceType": "Bundle",
            "type": "searchset",
            "total": len(entries),
            "entry": entries or None,
        }
    )
    return _resource(bundle)


@fhir_api.get("/CareTeam/{careteam_id}", summary="Read the CareTeam (the citizen's network)")
def read_careteam(request, careteam_id: UUID):
    return _resource(careteam(get_visible_citizen(request.user, careteam_id, "network")))


CATEGORY_SYSTEM = "urn:enplan:information-category"
GIVEN_HOW_SYSTEM = "urn:enplan:consent-given-how"


PARTICIPATION_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"
SECTOR_SYSTEM = "urn:enplan:sector"


def _party(org, sector: str, display: str) -> dict:
    if org is not None:
        return _org_ref(org)
    ref = {"display": display, "type": "Organization"}
    if sector:
        ref["identifier"] = {"system": SECTOR_SYSTEM, "value": sector}
    return ref


def _actor(code: str, display: str, reference: dict) -> dict:
    return {
        "role": {"coding": [{"system": PARTICIPATION_SYSTEM, "code": code, "display": display}]},
        "reference": reference,
    }


def consent_resource(consent) -> Consent:
    """A samtykke as FHIR R4 Consent (privacy consent, opt-in, one permit provision): the
    disclosing side is the actor with role custodian (CST: the organisation that holds and
    discloses the information), the recipient the actor with role information recipient
    (IRCP). A migrated consent "from any organisation" has no source actor."""
    actors = []
    if not consent.source_any:
        actors.append(
            _actor(
                "CST",
                "custodian",
                _party(consent.source_organisation, consent.source_sector, consent.source_display),
            )
        )
    actors.append(
        _actor(
            "IRCP",
            "information recipient",
            _party(
                consent.recipient_organisation,
                consent.recipient_sector,
                consent.recipient_display,
            ),
        )
    )
    provision = {
        "type": "permit",
        "period": {
            "start": consent.valid_from.isoformat(),
            **({"end": consent.valid_to.isoformat()} if consent.valid_to else {}),
        },
        "actor": actors,
        "purpose": [
            {
                "system": "urn:enplan:purpose",
                "code": "care-coordination",
                "display": consent.purpose[:200],
            }
        ],
        "class": [{"system": CATEGORY_SYSTEM, "code": c} for c in consent.categories],
    }
    data = {
        "resourceType": "Consent",
        "id": str(consent.uuid),
        "status": "inactive" if consent.state in ("withdrawn", "expired") else "active",
        "scope": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/consentscope",
                    "code": "patient-privacy",
                }
            ]
        },
        "category": [
            {"coding": [{"system": "http://loinc.org", "code": "59284-0"}]},
            {"coding": [{"system": GIVEN_HOW_SYSTEM, "code": consent.given_how}]},
        ],
        "patient": _patient_ref(consent.citizen),
        "dateTime": consent.created_at.isoformat(),
        "policyRule": {
            "coding": [
                {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "OPTIN"}
            ]
        },
        "provision": provision,
    }
    return Consent.model_validate(data)


@fhir_api.get("/Consent/{consent_id}", summary="Read a Consent (samtykke)")
def read_consent(request, consent_id: UUID):
    from enplan.consent.models import Consent as ConsentModel

    consent = (
        ConsentModel.objects.visible_to(request.user)
        .select_related("citizen", "source_organisation", "recipient_organisation")
        .filter(uuid=consent_id)
        .first()
    )
    if consent is None:
        raise Http404
    get_visible_citizen(request.user, consent.citizen.uuid, "consent")
    return _resource(consent_resource(consent))


@fhir_api.get("/Consent", summary="Search a citizen's Consents (patient=Patient/<citizen id>)")
def search_consent(request, patient: str = ""):
    try:
        citizen = get_visible_citizen(
            request.user, UUID(patient.removeprefix("Patient/")), "consent"
        )
    except (ValueError, Http404):
        entries = []
    else:
        entries = [
            {
                "fullUrl": request.build_absolute_uri(reverse("fhir:read_consent", args=[c.uuid])),
                "resource": consent_resource(c),
                "search": {"mode": "match"},
            }
            for c in citizen.consents.select_related(
                "citizen", "source_organisation", "recipient_organisation"
            )
        ]
    bundle = Bundle.model_validate(
        {
            "resourceType": "Bundle",
            "type": "searchset",
            "total": len(entries),
            "entry": entries or None,
        }
    )
    return _resource(bundle)
