"""The access matrix, generated: every page in the URL configuration and every operation in
the OpenAPI documents × every role × a citizen inside and outside the user's network × with
and without consent. A new page or endpoint is covered without touching this file.

Expected:
- anonymous: pages redirect to log-in, API/FHIR answer 401;
- managers, politicians, system administrators: 403 on anything about a citizen;
- a professional outside the network: 404;
- the coordinating caseworker: allowed (2xx/3xx or a validation/conflict 4xx);
- other network members: the same, or 403 where a business rule says no (only the
  coordinator removes others) – and a member whose organisation has no consent never
  receives content from another organisation (403 on its items, placeholders elsewhere);
- no refused response contains personal data.
"""

import datetime
import json
import re
from dataclasses import dataclass
from typing import Any
from uuid import uuid4

import pytest
from django.apps import apps
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from enplan.accounts.models import Role, User
from enplan.api.forms import _as_form_value
from enplan.citizens.models import Contact
from enplan.consent.models import Category, Consent
from enplan.consent.services import give
from enplan.core.actions import Actor, WriteAction, actions_of
from enplan.courses.models import Course
from enplan.insights.models import ITEM_KEYS, Mandate
from enplan.insights.survey import groups, open_round
from enplan.meetings.models import CooperationMeeting
from enplan.messaging import sending
from enplan.network.models import NetworkRole
from enplan.network.services import add_member
from enplan.organisations.models import Organisation, Profession, Sector
from enplan.plans import services
from enplan.plans.models import TrackKind
from enplan.portal.access import SESSION_KEY
from enplan.portal.oidc import citizen_user

from .conftest import fake_cpr, make_citizen, make_org, make_professional

SECRETS = {
    "final": "HEMMELIGT-SLUTMAAL",
    "goal": "HEMMELIGT-DELMAAL",
    "activity": "HEMMELIG-AKTIVITET",
    "track": "HEMMELIGT-SPOR",
    "course": "HEMMELIG-FORLOEBSNOTE",
    "contact": "HEMMELIG-KONTAKT",
    "message": "HEMMELIG-BESKED",
    "minutes": "HEMMELIGT-REFERAT",
    "decision": "HEMMELIG-BESLUTNING",
}
PUBLIC = (
    "accounts/",
    "i18n/",
    "oidc/",
    "admin/",
    "api/v1/openapi.json",
    "api/v1/docs",
    "fhir/r4/openapi.json",
    "fhir/r4/docs",
    "healthz",  # probes: alive / ready, no personal data (tests/test_ops_health.py)
    "readyz",
    "metrics",  # bearer token or address range, not a log-in (tests/test_ops_health.py)
)
ALLOWED = {200, 201, 204, 302, 400, 405, 409, 422}
PORTAL = "/portal/"
# The portal's log-in pages: open to all (404 while MitID or the demo log-in is off).
PORTAL_LOGIN = ("/portal/login/", "/portal/mitid/")


def _login(client: Client, user) -> None:
    client.force_login(user)
    if user.role == Role.CITIZEN:  # a portal session, as the MitID log-in makes it
        session = client.session
        session[SESSION_KEY] = True
        session.save()


def _routes():
    def walk(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                yield prefix + str(p.pattern)

    pages = set()
    for route in walk(get_resolver().url_patterns):
        if route.startswith(("api/", "fhir/")) or route.startswith(PUBLIC) or route == "":
            continue
        for method in ("get", "post"):
            pages.add((method, "/" + route))
    return pages


def _operations():
    from enplan.api.fhir import fhir_api
    from enplan.api.rest import api

    ops = set()
    for ninja_api in (api, fhir_api):
        doc = ninja_api.get_openapi_schema()
        for path, methods in doc["paths"].items():
            for method in methods:
                ops.add((method, path))
    return ops


ENDPOINTS = sorted(_routes() | _operations())


@pytest.fixture
def world(db, citizen, caseworker, psych, outsider, manager, plan):
    """A citizen whose jobcenter wrote into every category; psychiatry (in the network) has
    no consent, the trauma clinic (in the network) has consent to everything."""
    trauma = make_org("Traumeklinik Test", Sector.TRAUMA_CLINIC, "900000000000003")
    therapist = make_professional("tina", trauma, Profession.PSYCHOLOGIST)
    add_member(citizen, caseworker.user, role=NetworkRole.TREATMENT, professional=therapist)
    actor = caseworker.user
    services.update_plan(plan, actor, plan.version, {"final_goal": SECRETS["final"]})
    goal = services.add_goal(
        plan, actor, plan.version, {"title": SECRETS["goal"], "status": "open"}
    )
    member = citizen.memberships.get(role=NetworkRole.COORDINATOR)
    activity = services.add_activity(
        plan,
        actor,
        plan.version,
        {
            "title": SECRETS["activity"],
            "starts_on": timezone.localdate(),
            "responsible": member,
            "organisation": member.organisation,
            "purpose": "x",
            "legal_basis": "lab",
            "status": "planned",
            "track": TrackKind.EMPLOYMENT,
        },
    )
    track = plan.tracks.get(kind=TrackKind.EMPLOYMENT)
    services.update_track(
        track,
        actor,
        plan.version,
        {
            "status": "active",
            "summary": SECRETS["track"],
            "ready_for_next_step": False,
            "ready_note": "",
        },
    )
    course = Course.objects.create(
        citizen=citizen,
        target_group="aktivitetsparat",
        starts_on=datetime.date(2026, 1, 1),
        outcome_note=SECRETS["course"],
        origin=caseworker.organisation,
    )
    Contact.objects.create(
        citizen=citizen,
        at="2026-11-01T10:00Z",
        kind="phone",
        summary=SECRETS["contact"],
        origin=caseworker.organisation,
    )
    consent = give(
        citizen,
        actor,
        Consent(
            source_organisation=caseworker.organisation,
            recipient_organisation=trauma,
            categories=list(Category.values),
            purpose="Alt",
            valid_from=timezone.localdate(),
            given_how="written",
        ),
        b"%PDF-1.4 samtykke",  # the signed consent, a download for the network
        "samtykke.pdf",
    )
    # Another citizen, logged in to the portal as herself (role citizen).
    other = make_citizen(caseworker, given_name="Birgit", family_name="Anden")
    users = {
        "anonymous": None,
        "citizen_other": citizen_user(other),
        "manager": manager,
        "politician": User.objects.create_user("pol", role=Role.POLITICIAN),
        "sysadmin": User.objects.create_user("sys", role=Role.SYSADMIN),
        "outsider": outsider.user,
        "member_without_consent": psych.user,
        "member_with_consent": therapist.user,
        "coordinator": caseworker.user,
    }
    sent = sending.compose(
        actor,
        citizen,
        partner=trauma,
        category="psychiatry-social-disability",
        topic="Status",
        text=SECRETS["message"],
        uploads=[sending.Upload("notat.pdf", "application/pdf", b"%PDF-1.4 test")],
    )
    attachment = sent.thread.segments.get(kind="attachment")
    mentor = make_professional("mads", caseworker.organisation, Profession.MENTOR)
    membership = add_member(citizen, actor, role=NetworkRole.MENTOR, professional=mentor)
    meeting, decision = _meeting(citizen, caseworker)
    certificate = _certificate(citizen, caseworker, trauma)
    meeting_request = _meeting_request(meeting)
    ids = {
        "request_uuid": meeting_request.uuid,
        "certificate_uuid": certificate.uuid,
        "certificate_id": certificate.uuid,
        "meeting_uuid": meeting.uuid,
        "meeting_id": meeting.uuid,
        "decision_uuid": decision.uuid,
        "decision_id": decision.uuid,
        "citizen_uuid": citizen.uuid,
        "citizen_id": citizen.uuid,
        "careteam_id": citizen.uuid,
        "membership_uuid": membership.uuid,
        "member_id": membership.uuid,
        "course_uuid": course.uuid,
        "consent_uuid": consent.uuid,
        "consent_id": consent.uuid,
        "goal_id": goal.uuid,
        "activity_uuid": activity.uuid,
        "activity_id": activity.uuid,
        "track_id": track.uuid,
        "plan_id": plan.uuid,
        "number": 2,
        "thread_uuid": sent.thread.uuid,
        "thread_id": sent.thread.uuid,
        "segment_uuid": attachment.uuid,
    }
    objects = {"goals": goal.uuid, "activities": activity.uuid, "tracks": track.uuid}
    # Not about a citizen (a samarbejdsmøde between organisations): filled in, not counted.
    # Insights: the manager steers the jobcenter, the politician the municipality; an open
    # relational coordination survey round between all the organisations.
    caseworker.organisation.municipality_code = "0159"
    caseworker.organisation.save(update_fields=["municipality_code"])
    Mandate.objects.create(user=manager, organisation=caseworker.organisation)
    Mandate.objects.create(user=users["politician"], municipality_code="0159")
    survey_round = open_round(
        manager,
        "RC",
        list(Organisation.objects.all()),
        timezone.localdate() + datetime.timedelta(days=14),
    )
    other_ids = {
        "cooperation_uuid": CooperationMeeting.objects.get().uuid,
        "agreement_uuid": _agreement(caseworker, [psych.organisation, trauma]).uuid,
        "round_uuid": survey_round.uuid,
        "round_id": survey_round.uuid,
        "key": "courses",  # an insights table's CSV
    }
    return {
        "users": users,
        "ids": ids,
        "other_ids": other_ids,
        "objects": objects,
        "citizen": citizen,
    }


def _agreement(caseworker, partners):
    """A cooperation agreement between the jobcenter, psychiatry and the trauma clinic."""
    from enplan.cooperation import services as cooperation

    return cooperation.create_agreement(
        caseworker.user,
        {
            "title": "Samarbejdsaftale",
            "responsibilities": "Jobcentret koordinerer",
            "shared_categories": ["plan"],
            "legal_basis": "Samtykke",
            "channel": "carecommunication",
            "valid_from": timezone.localdate(),
        },
        partners,
        [],
    )


def _agreement_body(w, role):
    return {
        "title": "Ny aftale",
        "parties": [str(_partner_for(w, role).uuid)],
        "responsibilities": "Lægen svarer på attester",
        "shared_categories": ["health"],
        "legal_basis": "Samtykke",
        "channel": "phone",
        "valid_from": timezone.localdate().isoformat(),
        "certificate_answer_days": 10,
        "callback_working_days": 2,
        "discharge_conference_working_days": 4,
        "cooperation_meetings_per_year": 2,
        "contacts-TOTAL_FORMS": "0",
        "contacts-INITIAL_FORMS": "0",
    }


def _callback_for(w, role):
    """A callback asked of the role's own organisation (only it may mark it done)."""
    from enplan.cooperation.models import Callback

    own = getattr(w["users"][role], "professional_or_none", None)
    to = own.organisation if own is not None else w["gp_org"]
    callback = Callback.objects.create(
        from_organisation=w["gp_org"] if to != w["gp_org"] else w["jobcenter"],
        caller_phone="12345678",
        to_organisation=to,
        topic="Ring tilbage om samarbejdet",
        deadline=timezone.localdate() + datetime.timedelta(days=2),
    )
    return {"callback": str(callback.uuid)}


def _certificate(citizen, caseworker, trauma):
    """A certificate request from the jobcenter to the trauma clinic, answered on paper."""
    from enplan.certificates import services as certificates
    from enplan.certificates.models import CertificateKind

    req = certificates.create_request(
        caseworker.user,
        citizen,
        certificates.RequestSpec(
            kind=CertificateKind.objects.get(name__startswith="Statusattest"),
            recipient=trauma,
            purpose="Afklaring",
            questions=["Hvordan er søvnen?"],
            wanted_by=timezone.localdate() + datetime.timedelta(days=14),
            timing_consulted="yes",
        ),
    )
    return certificates.record_answer(caseworker.user, req, health_assessment="Søvnbesvær")


def _certificate_body(w, role):
    from enplan.certificates.models import CertificateKind

    return {
        "kind": CertificateKind.objects.get(name__startswith="Statusattest").pk,
        "recipient": str(User.objects.get(username="tina").professional.organisation.uuid),
        "purpose": "Afklaring af praktik",
        "questions": "Kan borgeren tåle støj?",
        "wanted_by": (timezone.localdate() + datetime.timedelta(days=14)).isoformat(),
        "duplicate_reason": "Ny praktik overvejes",
        "timing_consulted": "yes",
    }


def _meeting_request(meeting):
    """What the citizen asked for in Min plan about a meeting (stored as it was asked)."""
    from enplan.meetings.models import MeetingRequest

    return MeetingRequest.objects.create(
        meeting=meeting, citizen=meeting.citizen, kind="interpreter", language="ar"
    )


def _meeting(citizen, caseworker):
    """A held meeting with draft minutes and one decision (origin: the jobcenter)."""
    from enplan.meetings import services as meetings

    start = datetime.datetime(2026, 11, 2, 10, tzinfo=datetime.UTC)
    meeting = meetings.plan_meeting(
        caseworker.user,
        citizen,
        {
            "kind": "planning",
            "purpose": "Fælles plan",
            "working_question": "Næste skridt?",
            "starts_at": start,
            "ends_at": start + datetime.timedelta(hours=1),
            "place_kind": "clinic",
        },
        [],
        override_reason="ok",
    ).meeting
    minutes = meetings.start_minutes(meeting, caseworker.user)
    meetings.save_minutes(minutes, caseworker.user, {"summary": SECRETS["minutes"]})
    decision = meetings.add_decision(
        minutes, caseworker.user, {"topic": "Job", "agreed": SECRETS["decision"], "who": "JC"}
    )
    meetings.plan_cooperation(
        caseworker.user,
        {
            "purpose": "Træffetider",
            "starts_at": start,
            "ends_at": start + datetime.timedelta(hours=1),
        },
        [make_org("Samarbejdspartner", Sector.PSYCHIATRY)],
    )
    return meeting, decision


def _url(path: str, world) -> str:
    def fill(match):
        name = match.group(1).split(":")[-1]
        if name == "obj_uuid":
            segment = path[: match.start()].rstrip("/").rsplit("/", 1)[-1]
            return str(world["objects"][segment])
        return str(world["ids"].get(name) or world["other_ids"][name])

    url = re.sub(r"[<{]([^>}]+)[>}]", fill, path)
    query = {
        "compare": "a=1&b=2",
        "CarePlan": f"subject=Patient/{world['citizen'].uuid}",
        "Consent": f"patient=Patient/{world['citizen'].uuid}",
    }
    tail = url.rstrip("/").rsplit("/", 1)[-1]
    if tail in query:
        url += "?" + query[tail]
    return url


def _call(client: Client, method: str, url: str):
    if method == "delete":
        url += ("&" if "?" in url else "?") + "version=999"  # a stale version: never deletes
    if method in ("post", "patch", "put") and url.startswith(("/api/", "/fhir/")):
        return getattr(client, method)(url, data="{}", content_type="application/json")
    return getattr(client, method)(url)


def _leaks(response, citizen) -> list[str]:
    body = response.content.decode(errors="replace")
    found = [s for s in SECRETS.values() if s in body]
    found += [v for v in (citizen.family_name, citizen.cpr, citizen.cpr_display) if v in body]
    return found


def test_matrix_covers_pages_and_api():
    methods = {m for m, _ in ENDPOINTS}
    assert {"get", "post", "patch", "delete"} <= methods
    assert len([e for e in ENDPOINTS if e[1].startswith("/api/")]) >= 20
    assert len([e for e in ENDPOINTS if e[1].startswith("/citizens/")]) >= 40


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_access_matrix(method, path, world):
    citizen = world["citizen"]
    url = _url(path, world)
    api = url.startswith(("/api/", "/fhir/"))
    about_citizen = any(str(v) in url for v in world["ids"].values() if v != 2)
    # Refused roles first, so that a wrongly allowed write cannot hide behind a later one.
    for role in (
        "anonymous",
        "citizen_other",
        "manager",
        "politician",
        "sysadmin",
        "outsider",
        "member_without_consent",
        "member_with_consent",
        "coordinator",
    ):
        client = Client()
        if world["users"][role] is not None:
            _login(client, world["users"][role])
        response = _call(client, method, url)
        status = response.status_code
        where = f"{role} {method.upper()} {url} -> {status}"
        assert status < 500, where
        if url.startswith(PORTAL):
            _expect_portal(role, url, response, citizen, where)
            continue
        if role == "citizen_other":
            # A citizen reaches no staff page and no API: not her own, not anyone's.
            assert status in (403, 405), where
            assert not _leaks(response, citizen), where
            continue
        if path.startswith(("/insights/", "/api/v1/insights/")):
            _expect_insights(role, method, path, response, citizen, where)
            continue
        if path.startswith("/api/v1/messaging/receive"):
            # For message integrations only: no person, whatever the role, gets in.
            assert status == 401, where
            continue
        if role == "anonymous":
            assert status in ((401, 405) if api else (302, 405)), where
            if status == 302:
                assert response["Location"].startswith("/accounts/login/"), where
        elif role in ("manager", "politician", "sysadmin"):
            if about_citizen or path.endswith(("/citizens/", "/citizens")) or "new" in path:
                assert status in (403, 405), where
        elif role == "outsider" and about_citizen:
            if "Consent?" in url or "CarePlan?" in url:
                assert status == 200 and '"total":0' in response.content.decode(), where
            elif api and method in ("post", "patch", "put"):
                # A malformed body is refused before the citizen is looked up; nothing leaks.
                assert status in (404, 422), where
            else:
                assert status in (404, 405), where
        elif role == "member_without_consent":
            assert status in ALLOWED | {403}, where  # 403: not shared, or a business rule
            assert not [
                s for s in SECRETS.values() if s in response.content.decode(errors="replace")
            ], where
            continue
        elif role == "member_with_consent":
            assert status in ALLOWED | {403}, where  # 403 only from business rules
            continue
        else:
            assert status in ALLOWED, where
            continue
        if status in (401, 403, 404):
            assert not _leaks(response, citizen), where


INSIGHTS_PROFESSIONAL_PAGES = ("/insights/survey/", "/insights/survey/<uuid:round_uuid>/answer/")
INSIGHTS_WRITES = {
    "/insights/survey/new/": "manager",
    "/insights/survey/<uuid:round_uuid>/close/": "manager",
    "/insights/survey/<uuid:round_uuid>/answer/": "professional",
}
PROFESSIONAL_ROLES = ("outsider", "member_without_consent", "member_with_consent", "coordinator")


def _expect_insights(role: str, method: str, path: str, response, citizen, where: str) -> None:
    """Aggregates for managers and politicians only; the survey's answer page and list for
    professionals too; opening and closing a round for a manager; answering for a
    professional. Nothing about a single citizen, whoever asks."""
    status = response.status_code
    api = path.startswith("/api/")
    writer = INSIGHTS_WRITES.get(path)
    if role == "anonymous":
        assert status in ((401, 405) if api else (302, 405)), where
    elif role in ("citizen_other", "sysadmin"):
        assert status in (403, 405), where
    elif method == "get" and path.endswith("/close/"):
        assert status == 405, where
    elif method == "post" and writer is None:
        assert status == 405, where
    elif method == "post":
        may = (
            writer == "manager"
            and role == "manager"
            or (writer == "professional" and role in PROFESSIONAL_ROLES)
        )
        # with no body: a form error (400), or 409 once the manager has closed the round
        assert status in ((302, 400, 409) if may else (403,)), where
    elif role in ("manager", "politician"):
        expected = (
            403
            if path.endswith("/answer/") or (role == "politician" and path.endswith("/new/"))
            else 200
        )
        assert status == expected, where
    else:
        assert status == (200 if path in INSIGHTS_PROFESSIONAL_PAGES else 403), where
    assert not _leaks(response, citizen), where


def _expect_portal(role: str, url: str, response, citizen, where: str) -> None:
    """The citizen's portal: pages of the citizen herself only. Its log-in pages are open to
    all; a staff user reaches no other portal page (403), an anonymous visitor is sent to the
    portal's log-in, and another citizen gets her own pages, with nothing of this citizen
    (404 for this citizen's objects)."""
    status = response.status_code
    if url.startswith(PORTAL_LOGIN):
        assert status in (200, 302, 404, 405), where
    elif role == "anonymous":
        assert status in (302, 405), where
        if status == 302:
            assert response["Location"] == "/portal/login/", where
    elif role == "citizen_other":
        assert status in ALLOWED | {404}, where
    else:
        assert status in (403, 405), where
    assert not _leaks(response, citizen), where


def test_consent_decides_what_a_member_sees(world):
    citizen = world["citizen"]
    for role, sees in (
        ("member_without_consent", False),
        ("member_with_consent", True),
        ("coordinator", True),
    ):
        client = Client()
        client.force_login(world["users"][role])
        pages = [
            client.get(f"/citizens/{citizen.uuid}/plan/"),
            client.get(f"/citizens/{citizen.uuid}/"),
            client.get(f"/api/v1/citizens/{citizen.uuid}/plan"),
            client.get(f"/citizens/{citizen.uuid}/meetings/{world['ids']['meeting_uuid']}/"),
        ]
        text = "".join(p.content.decode() for p in pages)
        for key, secret in SECRETS.items():
            if key != "message":  # messages are on the message pages (tests/test_messaging_ui)
                assert (secret in text) is sees, (role, secret)


# --- The write matrix: who may CHANGE what -------------------------------------------------
#
# Every POST/PUT/PATCH/DELETE page and operation, found in the URL configuration and the
# OpenAPI documents, names the write actions it performs (`@performs`, read through
# `enplan.core.actions.actions_of`). Each is called with a real, valid body as every role and
# kind of member, in a fresh world. The expected outcome comes from the declared `allowed`
# kinds and the kinds each role is in this world (stated here, not computed by the code under
# test): allowed → 2xx/3xx and the case changed; refused → 403 (404 for whoever must not learn
# that the citizen or object exists) and nothing changed.


WRITE_METHODS = {"post", "put", "patch", "delete"}
ROLES = (
    "anonymous",
    "manager",
    "politician",
    "sysadmin",
    "dpo",
    "outsider",  # a professional at the same jobcenter, not in the citizen's network
    "member_other_org_without_consent",  # psychiatry
    "member_other_org_with_consent",  # trauma clinic, consent to everything
    "member_same_org",  # a jobcenter caseworker in the network, not the coordinator
    "coordinator",
)
AGGREGATE_ROLES = ("manager", "politician", "sysadmin", "dpo")

P, M, C, ORG, D, S = (
    Actor.PROFESSIONAL,
    Actor.MEMBER,
    Actor.COORDINATOR,
    Actor.ORIGIN,
    Actor.DISCLOSER,
    Actor.SHARED,
)
# The kinds each role is, for something the jobcenter wrote or holds (an item, a thread) …
KINDS_JOBCENTER = {
    "manager": {Actor.MANAGER},  # only for writes outside a case (insights)
    "outsider": {P},
    "member_other_org_without_consent": {P, M},
    "member_other_org_with_consent": {P, M, S},
    "member_same_org": {P, M, ORG, D, S},
    "coordinator": {P, M, C, ORG, D, S},
}
# … and for what nobody wrote yet (a blank field, a new item, the network, a new citizen).
KINDS_OPEN = {
    "manager": {Actor.MANAGER},
    "outsider": {P},
    "member_other_org_without_consent": {P, M, S},
    "member_other_org_with_consent": {P, M, S},
    "member_same_org": {P, M, S},
    "coordinator": {P, M, C, S},
}


@dataclass(frozen=True)
class Write:
    key: str  # "citizens:handover" (page URL name) or "api-v1:hand_over" (operation)
    method: str
    path: str
    actions: tuple[WriteAction, ...]


def _page_writes() -> list[Write]:
    """Every page route with its view's declared actions (none: a read-only page)."""

    def walk(patterns, prefix="", namespace=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
                yield from walk(p.url_patterns, prefix + str(p.pattern), ns)
            elif isinstance(p, URLPattern):
                yield prefix + str(p.pattern), f"{namespace}{p.name}", p.callback

    writes = []
    for route, name, callback in walk(get_resolver().url_patterns):
        if route.startswith(("api/", "fhir/")) or route.startswith(PUBLIC) or route == "":
            continue
        if route.startswith("portal/"):
            continue  # the citizen's own writes: tests/test_portal.py, as her and as others
        writes.append(Write(name, "post", "/" + route, actions_of(callback)))
    return writes


def _operation_writes() -> list[Write]:
    """Every state-changing API operation, from the routers (whose view functions carry the
    marks), checked against the OpenAPI documents so that none is missed."""
    from enplan.api.fhir import fhir_api
    from enplan.api.rest import api

    writes, documented = [], set()
    for ninja_api in (api, fhir_api):
        root = "/" + ninja_api.root_path if hasattr(ninja_api, "root_path") else ""
        for path, methods in ninja_api.get_openapi_schema()["paths"].items():
            documented |= {(m, path) for m in methods if m in WRITE_METHODS}
        for prefix, router in ninja_api._routers:
            for sub, path_view in router.path_operations.items():
                for op in path_view.operations:
                    for method in op.methods:
                        if method.lower() not in WRITE_METHODS:
                            continue
                        base = "/api/v1" if ninja_api is api else "/fhir/r4"
                        path = base + prefix + sub
                        writes.append(
                            Write(
                                f"{ninja_api.urls_namespace}:{op.view_func.__name__}",
                                method.lower(),
                                path,
                                actions_of(op.view_func),
                            )
                        )
        del root
    found = {(w.method, w.path) for w in writes}
    assert documented <= found, f"documented writes not found in the routers: {documented - found}"
    return writes


PAGE_WRITES = [w for w in _page_writes() if w.actions]
OPERATION_WRITES = _operation_writes()
WRITES = sorted(
    [w for w in PAGE_WRITES + OPERATION_WRITES if w.actions], key=lambda w: (w.path, w.method)
)


def test_every_write_declares_its_actions(client, caseworker):
    """A page that accepts POST, or an API write, without declared actions fails here: the
    next write cannot slip past the matrix. A read-only page refuses POST (405) before it
    looks anything up, so random ids do."""
    undeclared = [w.key for w in OPERATION_WRITES if not w.actions]
    client.force_login(caseworker.user)
    for w in _page_writes():
        if (
            not w.actions
            and client.post(re.sub(r"<[^>]+>", str(uuid4()), w.path)).status_code != 405
        ):
            undeclared.append(w.key)
    assert not undeclared, f"writes without a declared action (mark them @performs): {undeclared}"
    missing = [w.key for w in WRITES if w.key not in BODIES]
    assert not missing, f"writes without a valid body in BODIES: {missing}"
    assert set(BODIES) <= {w.key for w in WRITES}, "BODIES names writes that do not exist"


# -- the world the writes run in --------------------------------------------------------------


@pytest.fixture
def write_world(world, caseworker, jobcenter):
    """`world`, plus what the writes need: a non-coordinating jobcenter member, a DPO, a GP
    (with consent to receive messages), people to add and hand over to, a member to remove,
    and an unidentified message in the jobcenter's triage."""
    from enplan.messaging.models import Thread

    citizen = world["citizen"]
    colleague = make_professional("sofie", jobcenter)
    add_member(citizen, None, role=NetworkRole.CASEWORKER, professional=colleague)
    gp_org = make_org("Lægehuset Test", Sector.GENERAL_PRACTICE, "900000000000004")
    add_member(citizen, None, role=NetworkRole.GP, organisation=gp_org)
    give(
        citizen,
        caseworker.user,
        Consent(
            source_organisation=caseworker.organisation,
            recipient_organisation=gp_org,
            categories=[Category.MESSAGES],
            purpose="Koordinering",
            valid_from=timezone.localdate(),
            given_how="written",
        ),
    )
    # Messages go from the sender's organisation: psychiatry → trauma clinic, clinic → GP.
    trauma = User.objects.get(username="tina").professional.organisation
    psychiatry = User.objects.get(username="lene").professional.organisation
    for source, recipient in ((psychiatry, trauma), (trauma, gp_org)):
        give(
            citizen,
            caseworker.user,
            Consent(
                source_organisation=source,
                recipient_organisation=recipient,
                categories=[Category.MESSAGES],
                purpose="Koordinering",
                valid_from=timezone.localdate(),
                given_how="written",
            ),
        )
    triage = Thread.objects.create(
        organisation=jobcenter,
        citizen=None,
        communication_id=f"urn:uuid:{uuid4()}",
        partner=gp_org,
        category="carecoordination",
        topic="Ukendt borger",
        patient={"identifiers": []},
        last_message_at=timezone.now(),
    )
    users = dict(world["users"])
    users["dpo"] = User.objects.create_user("dpo", role=Role.DPO)
    upcoming = _upcoming_meeting(citizen, caseworker)
    users["member_same_org"] = colleague.user
    users["member_other_org_without_consent"] = users.pop("member_without_consent")
    users["member_other_org_with_consent"] = users.pop("member_with_consent")
    return {
        **world,
        "users": users,
        "gp_org": gp_org,
        "new_gp": make_professional("karin", gp_org, Profession.GP),
        "successor": make_professional("jonas", jobcenter),
        "triage": triage,
        "jobcenter": jobcenter,
        "coordinator_membership": citizen.memberships.get(role=NetworkRole.COORDINATOR),
        "upcoming_meeting": upcoming.uuid,
        "upcoming_request": _meeting_request(upcoming).uuid,
    }


def _in_days(days: int, hour: int = 10) -> datetime.datetime:
    day = timezone.localdate() + datetime.timedelta(days=days)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def _upcoming_meeting(citizen, caseworker):
    """A planned meeting two weeks ahead (origin: the jobcenter): its agenda is open."""
    from enplan.meetings import services as meetings

    return meetings.plan_meeting(
        caseworker.user,
        citizen,
        {
            "kind": "network",
            "purpose": "Status",
            "working_question": "Hvordan går det?",
            "starts_at": _in_days(14),
            "ends_at": _in_days(14, 11),
            "place_kind": "clinic",
        },
        [],
        override_reason="ok",
    ).meeting


def _survey_answer(w, role):
    """Fours about every other group of the world's open survey round."""
    from enplan.insights.models import SurveyRound

    round_ = SurveyRound.objects.get(uuid=w["other_ids"]["round_uuid"])
    user = w["users"][role]
    own = getattr(user, "professional_or_none", None) if user else None
    data = {}
    for g in groups(round_):
        if own and g.organisation_id == own.organisation_id and g.profession == own.profession:
            continue
        data.update({f"{g.key}__{k}": "4" for k in ITEM_KEYS})
    return data


def _plan(w):
    from enplan.plans.models import Plan

    return Plan.objects.get(citizen=w["citizen"])


def _stored(form_class, instance, **kwargs) -> dict:
    """A form's data as the stored object fills it in (what a browser would send back)."""
    form = form_class(instance=instance, **kwargs)
    data = {}
    for name in form.fields:
        if hasattr(instance, name):
            value = _as_form_value(getattr(instance, name))
            if value is False or value == "":
                continue  # an unticked box or an empty field is not sent
            data[name] = "on" if value is True else value
    return data


def _versioned(w, **data) -> dict:
    return {"version": _plan(w).version, **data}


def _citizen_details(w, role):
    from enplan.citizens.forms import CitizenForm

    return {**_stored(CitizenForm, w["citizen"]), "phone": "11 22 33 44"}


def _new_citizen(w, role):
    return {
        "cpr": fake_cpr(datetime.date(1985, 3, 2)),
        "given_name": "Ny",
        "family_name": "Borgersen",
        "municipality_code": "0159",
        "preferred_language": "da",
        "my_role": NetworkRole.CONTACT_PERSON,
    }


def _course(w, role):
    from enplan.courses.forms import CourseForm

    course = Course.objects.get(uuid=w["ids"]["course_uuid"])
    return {**_stored(CourseForm, course), "outcome_note": "Ændret note"}


def _goal(w, role):
    from enplan.plans.forms import GoalForm
    from enplan.plans.models import Goal

    goal = Goal.objects.get(uuid=w["ids"]["goal_id"])
    return _versioned(w, **{**_stored(GoalForm, goal), "title": "Ændret delmål"})


def _activity(w, role):
    from enplan.plans.forms import ActivityForm
    from enplan.plans.models import Activity

    activity = Activity.objects.get(uuid=w["ids"]["activity_id"])
    stored = _stored(ActivityForm, activity, plan=_plan(w))
    return _versioned(w, **{**stored, "title": "Ændret aktivitet"})


def _new_activity(w, role):
    return _versioned(
        w,
        title="Virksomhedspraktik",
        starts_on=timezone.localdate().isoformat(),
        track=TrackKind.EMPLOYMENT,
        responsible=str(w["coordinator_membership"].uuid),
        purpose="Afprøve arbejdsevne",
        legal_basis="lab",
        status="planned",
    )


def _track(w, role):
    return _versioned(w, status="active", summary="Ændret spor")


def _partner_for(w, role):
    """Someone in the network the role may write to (another organisation, with consent)."""
    own = getattr(w["users"][role], "professional_or_none", None)
    trauma = User.objects.get(username="tina").professional.organisation
    return w["gp_org"] if own is not None and own.organisation == trauma else trauma


def _consent_body(w) -> dict:
    return {
        "source_organisation": str(
            w["citizen"].memberships.get(role="coordinator").organisation.uuid
        ),
        "recipient_organisation": str(w["gp_org"].uuid),
        "categories": [Category.PLAN],
        "purpose": "Fælles plan med lægen",
        "valid_from": timezone.localdate().isoformat(),
        "given_how": "verbal",
    }


def _join_request(w, role):
    """Prepared: the outsider (a jobcenter colleague) asked to join the network."""
    from enplan.citizens.models import JoinRequest

    join = JoinRequest.objects.create(
        citizen=w["citizen"],
        requester=w["users"]["outsider"].professional,
        role=NetworkRole.CASEWORKER,
    )
    return {"request": str(join.uuid), "decision": "accept"}


def _upcoming(w):
    from enplan.meetings.models import Meeting

    return Meeting.objects.get(uuid=w["upcoming_meeting"])


def _local(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def _new_meeting(w, role):
    return {
        "kind": "network",
        "purpose": "Status",
        "working_question": "Hvordan går det?",
        "starts_at": _local(_in_days(21)),
        "ends_at": _local(_in_days(21, 11)),
        "place_kind": "clinic",
        "interpreter_status": "not_needed",
        "override_reason": "ok",
        **_no_outsiders(),
    }


def _no_outsiders() -> dict:
    return {"outside-TOTAL_FORMS": "0", "outside-INITIAL_FORMS": "0"}


def _meeting_edit(w, role):
    meeting = _upcoming(w)
    return {
        **_new_meeting(w, role),
        "purpose": "Ændret formål",
        "starts_at": _local(meeting.starts_at),
        "ends_at": _local(meeting.ends_at),
        "version": meeting.version,
    }


def _held_minutes(w):
    from enplan.meetings.models import Minutes

    return Minutes.objects.get(meeting__uuid=w["ids"]["meeting_uuid"])


def _approved(w, role):
    """Prepared: the draft minutes approved (only approved minutes are corrected or sent)."""
    from enplan.meetings import services as meetings

    meetings.approve_minutes(_held_minutes(w), None)
    return {}


def _minutes_to_send(w, role):
    """Prepared: the GP practice (not on enplan, with consent to minutes) took part, and
    the minutes are approved."""
    from enplan.meetings.models import Participant

    minutes = _held_minutes(w)
    gp_org = w["gp_org"]
    gp_org.uses_enplan = False
    gp_org.save(update_fields=["uses_enplan"])
    Participant.objects.create(
        meeting=minutes.meeting,
        citizen=w["citizen"],
        role="professional",
        name="Lægehuset",
        organisation=gp_org,
    )
    give(
        w["citizen"],
        None,
        Consent(
            source_organisation=w["jobcenter"],
            recipient_organisation=gp_org,
            categories=[Category.MINUTES],
            purpose="Referater",
            valid_from=timezone.localdate(),
            given_how="written",
        ),
    )
    return _approved(w, role)


def _cooperation(w, role):
    return {
        "purpose": "Træffetider",
        "starts_at": _local(_in_days(30)),
        "partners": [str(_partner_for(w, role).pk)],
    }


def _own_cooperation(w, role):
    """Prepared: the role's organisation takes part (only its organisations mark it held)."""
    own = getattr(w["users"][role], "professional_or_none", None)
    if own is not None:
        CooperationMeeting.objects.get().organisations.add(own.organisation)
    return {}


def _offer_link(w, role):
    from enplan.cooperation.models import Offer

    offer, _new = Offer.objects.get_or_create(
        organisation=w["jobcenter"],
        title="IPS-forløb",
        defaults={
            "target_group": "Borgere i psykiatrisk behandling",
            "criteria": "Ønsker arbejde",
            "legal_basis": "LAB § 32",
            "decided_by": "Jobcentret",
            "how_to_refer": "Skriv til teamet",
            "contact": "IPS-teamet",
        },
    )
    return {"offer": str(offer.uuid), "note": "Henvist"}


@dataclass(frozen=True)
class Body:
    """A valid body for one write, and whose kinds decide (see KINDS_*)."""

    data: Any  # (world, role) -> dict, or None for no body
    target: str = "open"  # "jobcenter": an item or thread the jobcenter wrote/holds
    json: bool = False
    ids: tuple[tuple[str, str], ...] = ()  # URL parameter -> write_world key, instead of ids


UPCOMING = (("meeting_uuid", "upcoming_meeting"), ("meeting_id", "upcoming_meeting"))


BODIES: dict[str, Body] = {
    # pages
    "citizens:new": Body(_new_citizen),
    "citizens:edit": Body(_citizen_details),
    "citizens:contact_new": Body(
        lambda w, r: {"at": "2026-11-02T10:00", "kind": "phone", "summary": "Ringede op"}
    ),
    "citizens:member_add": Body(
        lambda w, r: {"professional": str(w["new_gp"].uuid), "role": NetworkRole.GP}
    ),
    "citizens:handover": Body(
        lambda w, r: {"to_professional": str(w["successor"].uuid), "note": "Korte beskeder"}
    ),
    "citizens:member_end": Body(lambda w, r: {}),
    "citizens:course_new": Body(
        lambda w, r: {
            "target_group": "aktivitetsparat",
            "starts_on": "2026-02-01",
            "state": "active",
        }
    ),
    "citizens:course_edit": Body(_course, target="jobcenter"),
    # a blank field: anyone in the network may fill it in (the final goal, written by the
    # jobcenter, is left out of the form for whoever it is not shared with)
    "citizens:plan_areas": Body(
        lambda w, r: _versioned(w, final_goal=SECRETS["final"], area_psychiatry="Medicin")
    ),
    "citizens:plan_followup": Body(lambda w, r: _versioned(w, mentor_role="Mentor hjælper")),
    "citizens:goal_new": Body(lambda w, r: _versioned(w, title="Nyt delmål", status="open")),
    "citizens:goal_edit": Body(_goal, target="jobcenter"),
    "citizens:goal_delete": Body(lambda w, r: _versioned(w), target="jobcenter"),
    "citizens:activity_new": Body(_new_activity),
    "citizens:activity_edit": Body(_activity, target="jobcenter"),
    "citizens:activity_delete": Body(lambda w, r: _versioned(w), target="jobcenter"),
    "citizens:track_edit": Body(_track, target="jobcenter"),
    "citizens:activity_offer": Body(_offer_link, target="jobcenter"),
    "citizens:thread_new": Body(
        lambda w, r: {
            "partner": str(_partner_for(w, r).uuid),
            "category": "carecoordination",
            "topic": "Status",
            "text": "Kan vi mødes?",
        }
    ),
    "citizens:thread_reply": Body(lambda w, r: {"text": "Tak for svaret"}, target="jobcenter"),
    "citizens:thread_forward": Body(
        lambda w, r: {"partner": str(w["gp_org"].uuid), "text": "Til orientering"},
        target="jobcenter",
    ),
    "messaging:open": Body(lambda w, r: {"cpr": w["citizen"].cpr}, target="jobcenter"),
    "messaging:notifications": Body(lambda w, r: {}),
    "citizens:consents": Body(lambda w, r: _consent_body(w), target="jobcenter"),
    "citizens:consent_withdraw": Body(
        lambda w, r: {"note": "Borgeren ringede"}, target="jobcenter"
    ),
    "citizens:join_request_decide": Body(_join_request),
    "citizens:meeting_new": Body(_new_meeting),
    "citizens:meeting_edit": Body(_meeting_edit, target="jobcenter", ids=UPCOMING),
    "citizens:meeting_cancel": Body(
        lambda w, r: {"reason": "Borgeren er syg", "version": _upcoming(w).version},
        target="jobcenter",
        ids=UPCOMING,
    ),
    "citizens:meeting_agenda": Body(
        lambda w, r: {"title": "Bolig"}, target="jobcenter", ids=UPCOMING
    ),
    # the citizen's request (Min plan): answered by the convener or the coordinator only
    "citizens:meeting_request_answer": Body(
        lambda w, r: {"decision": "accept", "answer": "Vi bestiller en tolk"},
        target="jobcenter",
        ids=(*UPCOMING, ("request_uuid", "upcoming_request")),
    ),
    "citizens:meeting_minutes": Body(
        lambda w, r: {"summary": "Nyt referat", "check_overview": "2"}, target="jobcenter"
    ),
    "citizens:meeting_decision": Body(
        lambda w, r: {"topic": "Bolig", "agreed": "Søge lejlighed", "who": "JC"},
        target="jobcenter",
    ),
    "citizens:meeting_decision_to_plan": Body(
        lambda w, r: {"plan_version": _plan(w).version, "make": "goal", "legal_basis": "lab"},
        target="jobcenter",
    ),
    "citizens:meeting_approve": Body(lambda w, r: {}, target="jobcenter"),
    "citizens:meeting_correct": Body(_approved, target="jobcenter"),
    "citizens:meeting_send": Body(_minutes_to_send, target="jobcenter"),
    "meetings:cooperation_new": Body(_cooperation),
    "meetings:cooperation_held": Body(_own_cooperation),
    # certificates: asked for by the jobcenter, answered and closed by the one that asked
    "citizens:certificate_new": Body(_certificate_body, target="jobcenter"),
    "citizens:certificate_answer": Body(
        lambda w, r: {"health_assessment": "Bedre søvn", "work_capacity_comment": ""},
        target="jobcenter",
    ),
    "citizens:certificate_close": Body(
        lambda w, r: {"used_note": "Praktikken blev tilrettelagt efter svaret"},
        target="jobcenter",
    ),
    # an agreement between organisations: any professional, for her own organisation
    "cooperation:agreement_new": Body(_agreement_body),
    "cooperation:directory_verify": Body(lambda w, r: {}),
    "cooperation:callback_new": Body(
        lambda w, r: {
            "to_organisation": str(_partner_for(w, r).uuid),
            "topic": "Attestsamarbejde",
            "deadline": (timezone.localdate() + datetime.timedelta(days=2)).isoformat(),
            "caller_phone": "12345678",
        }
    ),
    "cooperation:callback_done": Body(_callback_for),
    "cooperation:offer_new": Body(
        lambda w, r: {
            "title": "IPS-forløb",
            "target_group": "Borgere i psykiatrisk behandling",
            "criteria": "Ønsker arbejde",
            "legal_basis": "LAB § 32",
            "decided_by": "Jobcentret",
            "how_to_refer": "Skriv til teamet",
            "contact": "IPS-teamet, 12 34 56 78",
        }
    ),
    # insights: a manager opens and closes a survey round; a professional answers it once
    "insights:round_new": Body(
        lambda w, r: {
            "title": "RC 2027",
            "organisations": [str(w["gp_org"].uuid)],
            "closes_on": (timezone.localdate() + datetime.timedelta(days=7)).isoformat(),
        }
    ),
    "insights:round_close": Body(lambda w, r: {}),
    "insights:round_answer": Body(_survey_answer),
    # REST
    "api-v1:create_citizen": Body(_new_citizen, json=True),
    "api-v1:update_citizen": Body(lambda w, r: {"phone": "11 22 33 44"}, json=True),
    "api-v1:add_network_member": Body(
        lambda w, r: {"professional": str(w["new_gp"].uuid), "role": NetworkRole.GP}, json=True
    ),
    "api-v1:hand_over": Body(
        lambda w, r: {"to_professional": str(w["successor"].uuid), "note": "Korte beskeder"},
        json=True,
    ),
    "api-v1:remove_network_member": Body(None),
    "api-v1:update_plan": Body(lambda w, r: _versioned(w, area_psychiatry="Medicin"), json=True),
    "api-v1:add_goal": Body(lambda w, r: _versioned(w, title="Nyt", status="open"), json=True),
    "api-v1:update_goal": Body(
        lambda w, r: _versioned(w, title="Ændret"), target="jobcenter", json=True
    ),
    "api-v1:remove_goal": Body(None, target="jobcenter"),
    "api-v1:add_activity": Body(_new_activity, json=True),
    "api-v1:update_activity": Body(
        lambda w, r: _versioned(w, title="Ændret"), target="jobcenter", json=True
    ),
    "api-v1:remove_activity": Body(None, target="jobcenter"),
    "api-v1:update_track": Body(
        lambda w, r: _versioned(w, summary="Ændret spor"), target="jobcenter", json=True
    ),
    # Receipt is for message integrations (their own credential, tested with receipt); here
    # only: no person's call breaks it or stores anything without a valid message.
    "api-v1:receive_message": Body(lambda w, r: {}, json=True),
    # consent: the jobcenter discloses (from) to the GP (to); the trauma clinic, which
    # receives under the world's consent, may neither record nor withdraw one for itself
    "api-v1:give_consent": Body(lambda w, r: _consent_body(w), target="jobcenter", json=True),
    "api-v1:withdraw_consent": Body(lambda w, r: {"note": ""}, target="jobcenter", json=True),
    "api-v1:receive_batch": Body(lambda w, r: {}, json=True),
    "api-v1:plan_meeting": Body(
        lambda w, r: {
            "kind": "network",
            "purpose": "Status",
            "working_question": "Hvordan går det?",
            "starts_at": _in_days(21).isoformat(),
            "place_kind": "clinic",
            "override_reason": "ok",
        },
        json=True,
    ),
    "api-v1:update_meeting": Body(
        lambda w, r: {"version": _upcoming(w).version, "purpose": "Ændret formål"},
        target="jobcenter",
        json=True,
        ids=UPCOMING,
    ),
    "api-v1:cancel_meeting": Body(
        lambda w, r: {"version": _upcoming(w).version, "reason": "Borgeren er syg"},
        target="jobcenter",
        json=True,
        ids=UPCOMING,
    ),
    "api-v1:add_agenda_item": Body(
        lambda w, r: {"title": "Bolig"}, target="jobcenter", json=True, ids=UPCOMING
    ),
    "api-v1:save_minutes": Body(
        lambda w, r: {"summary": "Nyt referat", "check_overview": 2}, target="jobcenter", json=True
    ),
    "api-v1:add_decision": Body(
        lambda w, r: {"topic": "Bolig", "agreed": "Søge lejlighed", "who": "JC"},
        target="jobcenter",
        json=True,
    ),
    "api-v1:decision_to_plan": Body(
        lambda w, r: {"plan_version": _plan(w).version, "make": "goal"},
        target="jobcenter",
        json=True,
    ),
    "api-v1:approve_minutes": Body(None, target="jobcenter"),
    "api-v1:send_minutes": Body(_minutes_to_send, target="jobcenter", json=True),
}


def _case_models() -> list:
    """Every table of a citizen's case: all enplan models except the audit log, users and
    their log-in state, and a reader's own read markers."""
    from enplan.messaging.models import ThreadRead

    return [
        m
        for m in apps.get_models()
        if m.__module__.startswith("enplan.")
        and m._meta.app_label not in ("audit", "accounts")
        and m is not ThreadRead
        and not m._meta.proxy
    ]


def _fingerprint() -> dict[str, list]:
    return {m._meta.label: list(m.objects.order_by("pk").values_list()) for m in _case_models()}


def _changed(before: dict, after: dict) -> list[str]:
    return [label for label in before if before[label] != after[label]]


def _expected_kinds(role: str, target: str) -> set[str]:
    return (KINDS_JOBCENTER if target == "jobcenter" else KINDS_OPEN).get(role, set())


WRITE_CASES = [(w, role) for w in WRITES for role in ROLES]


@pytest.mark.parametrize(
    ("write", "role"),
    WRITE_CASES,
    ids=[f"{w.method.upper()} {w.path} | {role}" for w, role in WRITE_CASES],
)
def test_write_matrix(write, role, write_world):
    w = write_world
    body = BODIES[write.key]
    url = _url(write.path, {**w, "ids": {**w["ids"], **{k: w[v] for k, v in body.ids}}})
    if write.key == "messaging:open":
        url = f"/messages/{w['triage'].uuid}/"
    if write.method == "delete":
        url += f"?version={_plan(w).version}"
    client = Client()
    user = w["users"][role]
    if user is not None:
        client.force_login(user)
    data = body.data(w, role) if body.data else None
    from enplan.audit.models import AuditEntry

    refusals = AuditEntry.objects.filter(action="refused").count()
    before = _fingerprint()
    if body.json:
        response = getattr(client, write.method)(
            url, data=json.dumps(data), content_type="application/json"
        )
    elif data is None:
        response = getattr(client, write.method)(url)
    else:
        response = getattr(client, write.method)(url, data)
    status = response.status_code
    after = _fingerprint()
    changed = _changed(before, after)
    api = url.startswith(("/api/", "/fhir/"))
    allowed = _expected_kinds(role, body.target) & frozenset().union(
        *(a.allowed for a in write.actions)
    )
    where = f"{role} {write.method.upper()} {url} -> {status} {response.content[:300]!r}"
    assert status < 500, where
    if Actor.INTEGRATION in frozenset().union(*(a.allowed for a in write.actions)):
        # Nothing stored from a refused message but its receipt (the log of the answer).
        assert status < 300 or set(changed) <= {"messaging.Receipt"}, where
        if role == "anonymous":
            assert status == 401, where
        return
    if role == "anonymous":
        assert status == (401 if api else 302), where
        if not api:
            assert response["Location"].startswith("/accounts/login/"), where
    elif allowed:
        assert 200 <= status < 400, where
        assert changed, f"allowed, but nothing changed: {where}"
        return
    elif role in AGGREGATE_ROLES:
        assert status == 403, where
    elif role == "outsider" and not write.key.startswith("insights:"):
        # Outside the network the citizen does not exist; where the citizen comes from the
        # body (triage by CPR number) the answer is the same neutral form error.
        expected = {404, 422} if write.key == "messaging:open" else {404}
        assert status in expected, where
    else:
        assert status in (403, 404), where  # 404: an object the role cannot see at all
        if status == 403:  # every refusal is audited
            assert AuditEntry.objects.filter(action="refused").count() > refusals, where
    assert not changed, f"refused, but {changed} changed: {where}"
    sent = json.dumps(data or {})  # what the caller typed in may be shown back to her
    assert not [x for x in _leaks(response, w["citizen"]) if x not in sent], where


# --- A GET never writes (ARCHITECTURE invariant 7) ------------------------------------------

GETS = [e for e in ENDPOINTS if e[0] == "get"]


@pytest.mark.parametrize(("method", "path"), GETS, ids=[p for _m, p in GETS])
def test_a_get_never_writes(method, path, write_world, caseworker):
    """Every page and operation, read as a member, for a citizen with a plan and for one
    registered before plans were created at registration (no plan row): no case table
    changes (audit rows and the reader's own read markers aside)."""
    from enplan.citizens.models import Citizen
    from enplan.network.models import NetworkMembership
    from enplan.plans.models import Plan

    w = write_world
    bare = Citizen.objects.create(
        cpr=fake_cpr(),
        given_name="Uden",
        family_name="Plan",
        birth_date=datetime.date(1990, 5, 17),
        municipality_code="0159",
    )
    for professional, role in ((caseworker, NetworkRole.COORDINATOR),):
        NetworkMembership.objects.create(
            citizen=bare,
            professional=professional,
            organisation=professional.organisation,
            role=role,
            started_at=timezone.now(),
        )
    add_member(
        bare,
        None,
        role=NetworkRole.PSYCHIATRY_CONTACT,
        professional=User.objects.get(username="lene").professional,
    )
    for citizen in (w["citizen"], bare):
        ids = {**w["ids"], "citizen_uuid": citizen.uuid, "citizen_id": citizen.uuid}
        ids["careteam_id"] = citizen.uuid
        url = _url(path, {**w, "ids": ids, "citizen": citizen})
        for role in ("coordinator", "member_other_org_without_consent"):
            client = Client()
            client.force_login(w["users"][role])
            for htmx in (False, True):
                before = _fingerprint()
                response = client.get(url, headers={"HX-Request": "true"} if htmx else {})
                where = f"{role} GET {url} (htmx={htmx}) -> {response.status_code}"
                assert response.status_code < 500, where
                assert not _changed(before, _fingerprint()), where
    assert not Plan.objects.filter(citizen=bare).exists()


# --- The citizen role on her requests about meetings (Min plan) ------------------------------


def test_a_citizen_asks_only_about_her_own_meetings_and_answers_none(write_world):
    """Citizen A cannot ask for anything about citizen B's meeting (404: it does not exist for
    her), no staff role can ask in the citizen's name (403), and no citizen (not even the one
    who asked) answers a request on the staff page (403)."""
    from enplan.meetings.models import MeetingRequest

    w = write_world
    citizen = w["citizen"]
    meeting = w["upcoming_meeting"]
    ask = f"/portal/meetings/{meeting}/ask/"
    body = {"kind": "place", "place_kind": "home", "note": "Ikke før kl. 10"}
    users = {**w["users"], "citizen_herself": citizen_user(citizen)}
    for role in ("citizen_other", *ROLES[1:]):
        client = Client()
        _login(client, users[role])
        before = _fingerprint()
        status = client.post(ask, body).status_code
        where = f"{role} POST {ask} -> {status}"
        assert status == (404 if role == "citizen_other" else 403), where
        assert not _changed(before, _fingerprint()), where
    herself = Client()
    _login(herself, users["citizen_herself"])
    assert herself.post(ask, body).status_code == 302
    req = MeetingRequest.objects.get(meeting__uuid=meeting, kind="place")
    answer = f"/citizens/{citizen.uuid}/meetings/{meeting}/requests/{req.uuid}/answer/"
    for role in ("citizen_herself", "citizen_other"):
        client = Client()
        _login(client, users[role])
        before = _fingerprint()
        assert client.post(answer, {"decision": "accept"}).status_code == 403, role
        assert not _changed(before, _fingerprint()), role
