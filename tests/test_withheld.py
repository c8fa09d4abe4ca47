"""Withheld means withheld, everywhere: no text, link or count of what a member may not see
under consent leaves the server, whatever the route.

The jobcenter writes a marker string into every field that consent guards (plan fields,
sub-goals, activities, tracks, courses, contacts, versions, messages, meeting minutes and
decisions, a GP's certificate answer, an activity's offer note). Psychiatry is in the network
without consent. Every GET page and htmx fragment of the URL configuration, every REST and
FHIR GET operation (and so every PDF and CSV output among them; a PDF is read as its text) is
requested as psychiatry, and no response may contain any marker.
"""

import datetime
import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from enplan.citizens.models import Contact
from enplan.consent.models import Consent
from enplan.consent.policy import for_viewer
from enplan.consent.services import give
from enplan.courses.models import Course
from enplan.messaging import sending
from enplan.network.models import NetworkRole
from enplan.network.services import add_member
from enplan.organisations.models import Profession, Sector
from enplan.plans import services
from enplan.plans.models import TrackKind

from .conftest import make_org, make_professional

PLAN_TEXT = (
    "final_goal",
    "area_future",
    "area_everyday",
    "area_health",
    "area_psychiatry",
    "area_jobcenter",
    "mentor_role",
    "support_contact_role",
    "followup_place",
    "followup_with",
)


def _marker(name: str) -> str:
    return f"QXZ{name.replace('_', '')}ZXQ"


MARKERS = {
    **{f"plan.{n}": _marker(n) for n in PLAN_TEXT},
    "goal.title": _marker("goaltitle"),
    "goal.evaluation": _marker("goalevaluation"),
    "activity.title": _marker("activitytitle"),
    "activity.purpose": _marker("activitypurpose"),
    "activity.evaluation": _marker("activityevaluation"),
    "activity.legal_reference": _marker("activitylegalref"),
    "own_task.purpose": _marker("owntaskpurpose"),
    "own_task.evaluation": _marker("owntaskevaluation"),
    "track.summary": _marker("tracksummary"),
    "track.ready_note": _marker("trackreadynote"),
    "course.outcome_note": _marker("courseoutcome"),
    "contact.summary": _marker("contactsummary"),
    "message.text": _marker("messagetext"),
    "message.topic": _marker("messagetopic"),
    "message.attachment": _marker("messageattachment"),
    "minutes.summary": _marker("minutessummary"),
    "decision.topic": _marker("decisiontopic"),
    "decision.agreed": _marker("decisionagreed"),
    "decision.who": _marker("decisionwho"),
    "certificate.health_assessment": _marker("certhealth"),
    "certificate.work_capacity": _marker("certworkcapacity"),
    "offer.note": _marker("offernote"),
}
OWN_TASK_TITLE = "Egen opgave for psykiatrien"  # the responsible person may see this one


@pytest.fixture
def world(db, citizen, caseworker, psych, psychiatry, plan):
    jc = caseworker.user
    services.update_plan(
        plan,
        jc,
        plan.version,
        {
            **{n: MARKERS[f"plan.{n}"] for n in PLAN_TEXT},
            "followup_at": datetime.datetime(2026, 1, 5, 10, tzinfo=datetime.UTC),
        },
    )
    goal = services.add_goal(
        plan,
        jc,
        plan.version,
        {
            "title": MARKERS["goal.title"],
            "evaluation": MARKERS["goal.evaluation"],
            "status": "open",
        },
    )
    coordinator = citizen.memberships.get(role=NetworkRole.COORDINATOR)
    overdue = services.add_activity(
        plan,
        jc,
        plan.version,
        {
            "title": MARKERS["activity.title"],
            "goal": goal,
            "starts_on": timezone.localdate() - datetime.timedelta(days=40),
            "ends_on": timezone.localdate() - datetime.timedelta(days=10),
            "responsible": coordinator,
            "organisation": coordinator.organisation,
            "purpose": MARKERS["activity.purpose"],
            "evaluation": MARKERS["activity.evaluation"],
            "legal_basis": "lab",
            "legal_reference": MARKERS["activity.legal_reference"],
            "status": "ongoing",
            "track": TrackKind.EMPLOYMENT,
        },
    )
    psych_member = citizen.memberships.get(professional=psych)
    own = services.add_activity(
        plan,
        jc,
        plan.version,
        {
            "title": OWN_TASK_TITLE,
            "goal": goal,
            "starts_on": timezone.localdate(),
            "ends_on": timezone.localdate() + datetime.timedelta(days=20),
            "responsible": psych_member,
            "organisation": psychiatry,
            "purpose": MARKERS["own_task.purpose"],
            "evaluation": MARKERS["own_task.evaluation"],
            "legal_basis": "sundhedsloven",
            "status": "planned",
            "track": TrackKind.EMPLOYMENT,
        },
    )
    # Psychiatry's own activity, linked to the jobcenter's withheld sub-goal.
    visible = services.add_activity(
        plan,
        psych.user,
        plan.version,
        {
            "title": "Samtaleforløb",
            "goal": goal,
            "starts_on": timezone.localdate(),
            "responsible": psych_member,
            "organisation": psychiatry,
            "purpose": "Angst",
            "legal_basis": "sundhedsloven",
            "status": "planned",
            "track": TrackKind.TREATMENT,
        },
    )
    track = plan.tracks.get(kind=TrackKind.EMPLOYMENT)
    services.update_track(
        track,
        jc,
        plan.version,
        {
            "status": "waiting",
            "summary": MARKERS["track.summary"],
            "ready_for_next_step": True,
            "ready_note": MARKERS["track.ready_note"],
        },
    )
    # A second round of changes, so that history and comparison have withheld edits.
    services.update_goal(goal, jc, plan.version, {"evaluation": MARKERS["goal.evaluation"] + "2"})
    course = Course.objects.create(
        citizen=citizen,
        target_group="aktivitetsparat",
        starts_on=timezone.localdate() - datetime.timedelta(days=30),
        outcome_note=MARKERS["course.outcome_note"],
        origin=caseworker.organisation,
    )
    Contact.objects.create(
        citizen=citizen,
        at=datetime.datetime(2026, 11, 1, 10, tzinfo=datetime.UTC),
        kind="phone",
        summary=MARKERS["contact.summary"],
        origin=caseworker.organisation,
    )
    trauma = make_org("Traumeklinik Markør", Sector.TRAUMA_CLINIC, "900000000000031")
    therapist = make_professional("tove", trauma, Profession.PSYCHOLOGIST)
    add_member(citizen, jc, role=NetworkRole.TREATMENT, professional=therapist)
    consent = give(
        citizen,
        jc,
        Consent(
            source_organisation=caseworker.organisation,
            recipient_organisation=trauma,
            categories=["messages", "plan", "employment"],
            purpose="Samarbejde med traumeklinikken",
            valid_from=timezone.localdate(),
            given_how="written",
        ),
    )
    sent = sending.compose(
        jc,
        citizen,
        partner=trauma,
        category="psychiatry-social-disability",
        topic=MARKERS["message.topic"],
        text=MARKERS["message.text"],
        uploads=[
            sending.Upload(f"{MARKERS['message.attachment']}.pdf", "application/pdf", b"%PDF-1.4")
        ],
    )
    attachment = sent.thread.segments.get(kind="attachment")
    meeting, decision = _meeting_with_minutes(citizen, jc)
    certificate = _answered_certificate(citizen, caseworker, jc)
    _offer_link(overdue, jc, caseworker.organisation)
    plan.refresh_from_db()
    ids = {
        "citizen_uuid": citizen.uuid,
        "citizen_id": citizen.uuid,
        "careteam_id": citizen.uuid,
        "patient": citizen.uuid,
        "plan_id": plan.uuid,
        "careplan_id": plan.uuid,
        "membership_uuid": psych_member.uuid,
        "member_id": psych_member.uuid,
        "course_uuid": course.uuid,
        "consent_uuid": consent.uuid,
        "consent_id": consent.uuid,
        "thread_uuid": sent.thread.uuid,
        "thread_id": sent.thread.uuid,
        "segment_uuid": attachment.uuid,
        "goal_id": goal.uuid,
        "activity_id": overdue.uuid,
        "track_id": track.uuid,
        "meeting_uuid": meeting.uuid,
        "meeting_id": meeting.uuid,
        "decision_uuid": decision.uuid,
        "decision_id": decision.uuid,
        "certificate_uuid": certificate.uuid,
        "certificate_id": certificate.uuid,
        "request_id": certificate.uuid,
        "activity_uuid": overdue.uuid,
    }
    objects = {
        "goals": [goal.uuid],
        "activities": [overdue.uuid, own.uuid, visible.uuid],
        "tracks": [track.uuid],
    }
    return {"ids": ids, "objects": objects, "plan": plan, "own": own, "visible": visible}


def _meeting_with_minutes(citizen, jc):
    """The jobcenter's planning meeting with approved minutes: category *meeting minutes*,
    which psychiatry has no consent to."""
    from django.utils import timezone

    from enplan.meetings import services as meetings

    start = timezone.now() - datetime.timedelta(days=3)
    meeting = meetings.plan_meeting(
        jc,
        citizen,
        {
            "kind": "planning",
            "purpose": "Lægge den fælles plan",
            "working_question": "Hvad er næste skridt?",
            "starts_at": start,
            "ends_at": start + datetime.timedelta(hours=1),
            "place_kind": "jobcenter",
        },
        [],
        override_reason="-",
    ).meeting
    minutes = meetings.start_minutes(meeting, jc)
    meetings.save_minutes(minutes, jc, {"summary": MARKERS["minutes.summary"]})
    decision = meetings.add_decision(
        minutes,
        jc,
        {
            "topic": MARKERS["decision.topic"],
            "agreed": MARKERS["decision.agreed"],
            "who": MARKERS["decision.who"],
        },
    )
    meetings.approve_minutes(minutes, jc)
    return meeting, decision


def _answered_certificate(citizen, caseworker, jc):
    """A GP's answer (health information from the GP, which psychiatry has no consent to)."""
    from django.utils import timezone

    from enplan.certificates import services as certificates
    from enplan.certificates.models import CertificateKind

    gp = make_org("Lægehuset Markør", Sector.GENERAL_PRACTICE, "900000000000032")
    add_member(citizen, jc, role=NetworkRole.GP, organisation=gp)
    give(
        citizen,
        jc,
        Consent(
            source_organisation=caseworker.organisation,
            recipient_organisation=gp,
            categories=["messages"],
            purpose="Attest",
            valid_from=timezone.localdate(),
            given_how="written",
        ),
    )
    kind, _new = CertificateKind.objects.get_or_create(name="Statusattest")
    request = certificates.create_request(
        jc,
        citizen,
        certificates.RequestSpec(
            kind=kind,
            recipient=gp,
            purpose="Afklaring",
            questions=["Hvor mange timer kan borgeren arbejde?"],
            wanted_by=timezone.localdate() + datetime.timedelta(days=14),
            timing_consulted="yes",
        ),
    )
    return certificates.record_answer(
        jc,
        request,
        health_assessment=MARKERS["certificate.health_assessment"],
        work_capacity_comment=MARKERS["certificate.work_capacity"],
    )


def _offer_link(activity, jc, organisation):
    from enplan.cooperation import referrals
    from enplan.cooperation.models import Offer

    offer = Offer.objects.create(
        organisation=organisation,
        title="IPS-forløb",
        target_group="Borgere i behandling",
        criteria="Ønsker arbejde",
        legal_basis="LAB § 32",
        decided_by="Jobcentret",
        how_to_refer="Skriv til teamet",
        contact="IPS-teamet",
    )
    referrals.link_offer(jc, activity, offer, MARKERS["offer.note"])


def _text(response) -> str:
    """What a reader of the response would see: a PDF's extracted text, else the body."""
    if response.get("Content-Type", "").startswith("application/pdf"):
        import io

        from pypdf import PdfReader

        reader = PdfReader(io.BytesIO(response.content))
        return "\n".join(page.extract_text() or "" for page in reader.pages)
    return response.content.decode(errors="replace")


def _routes():
    def walk(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                yield prefix + str(p.pattern)

    return sorted(
        "/" + r
        for r in walk(get_resolver().url_patterns)
        if not r.startswith(("api/", "fhir/", *OPERATIONS_ENDPOINTS))
        and "(?P" not in r
        and "^" not in r
    )


# Health and metrics carry no citizen data and may answer 503 by design (tests/test_ops_*).
OPERATIONS_ENDPOINTS = ("healthz", "readyz", "metrics")


def _operations() -> list[str]:
    from enplan.api.fhir import fhir_api
    from enplan.api.rest import api

    paths = []
    for ninja_api in (api, fhir_api):
        doc = ninja_api.get_openapi_schema()
        paths += [path for path, methods in doc["paths"].items() if "get" in methods]
    return sorted(paths)


def _urls(path: str, world) -> list[str]:
    """Every concrete URL for a route: each plan item for an item route, each version for a
    version route, each pair of versions for the comparison."""
    numbers = list(range(1, world["plan"].version + 1))
    urls = [path]
    for match in re.finditer(r"[<{]([^>}]+)[>}]", path):
        name = match.group(1).split(":")[-1]
        if name == "obj_uuid":
            segment = path[: match.start()].rstrip("/").rsplit("/", 1)[-1]
            values = world["objects"][segment]
        elif name == "number":
            values = numbers
        else:  # the admin's own object ids: the viewer is refused before they matter
            values = [world["ids"].get(name, 1)]
        urls = [u.replace(match.group(0), str(v), 1) for u in urls for v in values]
    tail = path.rstrip("/").rsplit("/", 1)[-1]
    citizen = world["ids"]["citizen_uuid"]
    if tail == "compare":
        urls = [f"{u}?a={a}&b={b}" for u in urls for a in numbers for b in numbers if a < b]
    elif tail in ("CarePlan", "Consent", "CareTeam"):
        urls = [f"{u}?subject=Patient/{citizen}&patient=Patient/{citizen}" for u in urls]
    elif tail == "one-page":
        urls = [f"{u}?format=pdf" for u in urls] + urls
    elif tail == "citizens" or path in ("/citizens/", "/api/v1/citizens"):
        urls = [f"{u}?order=overdue" for u in urls] + urls
    return urls


def _leaked(body: str) -> list[str]:
    return [k for k, marker in MARKERS.items() if marker in body]


@pytest.mark.django_db
def test_no_withheld_text_link_or_count_leaves_the_server(world, psych):
    client = Client()
    client.force_login(psych.user)
    checked = pdfs = 0
    operations = _operations()
    assert any(p.startswith("/api/v1/") for p in operations)
    assert any(p.startswith("/fhir/r4/CarePlan") for p in operations)
    for path in _routes() + operations:
        for url in _urls(path, world):
            for htmx in (False, True):
                headers = {"HX-Request": "true"} if htmx else {}
                response = client.get(url, headers=headers)
                where = f"GET {url} (htmx={htmx}) -> {response.status_code}"
                assert response.status_code < 500, where
                body = _text(response)
                assert not _leaked(body), (where, _leaked(body))
                checked += 1
                pdfs += response.get("Content-Type", "").startswith("application/pdf")
    assert checked > 100
    assert pdfs >= 2, pdfs  # the walk reads PDFs as text (one-page plan, agenda, …)


@pytest.mark.django_db
def test_the_walk_has_teeth_the_markers_reach_those_they_are_shared_with(world, caseworker):
    """The jobcenter, who wrote them, finds the later apps' markers where the walk looks:
    minutes and decisions on the meeting page, the GP's answer (under the GP's consent, given
    here) on the certificate page, the offer note on the plan, the plan in the PDF's text."""
    from enplan.consent.services import give as give_consent
    from enplan.organisations.models import Organisation

    citizen = world["plan"].citizen
    gp = Organisation.objects.get(sor_code="900000000000032")
    give_consent(
        citizen,
        None,
        Consent(
            source_organisation=gp,
            recipient_organisation=caseworker.organisation,
            categories=["health"],
            purpose="Attest",
            valid_from=timezone.localdate(),
            given_how="written",
        ),
    )
    client = Client()
    client.force_login(caseworker.user)
    ids = world["ids"]
    base = f"/citizens/{citizen.uuid}"
    seen = " ".join(
        _text(client.get(url))
        for url in (
            f"{base}/meetings/{ids['meeting_uuid']}/",
            f"{base}/certificates/{ids['certificate_uuid']}/",
            f"{base}/plan/",
            f"{base}/plan/one-page/?format=pdf",
        )
    )
    for key in (
        "minutes.summary",
        "decision.topic",
        "certificate.health_assessment",
        "certificate.work_capacity",
        "offer.note",
        "plan.final_goal",
    ):
        assert MARKERS[key] in seen, key


@pytest.mark.django_db
def test_the_overdue_count_counts_only_what_the_viewer_sees(world, psych, caseworker, client_for):
    client = client_for(psych)
    rows = client.get("/api/v1/citizens").json()
    row = next(r for r in (rows if isinstance(rows, list) else rows["items"]))
    assert row["overdue_activities"] == 0  # the jobcenter's overdue activity is withheld
    client = client_for(caseworker)
    rows = client.get("/api/v1/citizens").json()
    row = next(r for r in (rows if isinstance(rows, list) else rows["items"]))
    assert row["overdue_activities"] == 1


@pytest.mark.django_db
def test_a_visible_activity_never_shows_its_withheld_sub_goal(world, psych, client_for):
    client = client_for(psych)
    citizen = world["ids"]["citizen_uuid"]
    page = client.get(f"/citizens/{citizen}/plan/").content.decode()
    assert "Samtaleforløb" in page and MARKERS["goal.title"] not in page
    api = client.get(f"/api/v1/citizens/{citizen}/plan").json()
    shown = next(a for a in api["activities"] if a["title"] == "Samtaleforløb")
    assert shown["goal"] is None  # not even the id of the withheld sub-goal
    for number in range(1, world["plan"].version + 1):
        version = client.get(f"/api/v1/citizens/{citizen}/plan/versions/{number}").json()
        assert MARKERS["goal.title"] not in str(version)
        for activity in version["snapshot"]["activities"]:
            assert activity["goal"] is None


# --- the responsible person sees her own activity ------------------------------------------


@pytest.mark.django_db
def test_the_responsible_person_sees_title_and_dates_of_her_own_task(world, psych, client_for):
    client = client_for(psych)
    citizen = world["ids"]["citizen_uuid"]
    own = world["own"]
    policy = for_viewer(psych.user, citizen_obj := own.citizen)
    verdict = policy.withheld_item(own)
    assert verdict is not None  # still withheld: only title and dates are hers
    assert verdict.own_task == {
        "title": OWN_TASK_TITLE,
        "starts_on": own.starts_on,
        "ends_on": own.ends_on,
    }
    page = client.get(f"/citizens/{citizen}/plan/").content.decode()
    assert OWN_TASK_TITLE in page and "din opgave" in page
    assert MARKERS["own_task.purpose"] not in page
    assert f"/plan/activities/{own.uuid}/" not in page  # no edit link
    assert client.get(f"/citizens/{citizen}/plan/activities/{own.uuid}/").status_code == 403
    api = client.get(f"/api/v1/citizens/{citizen}/plan").json()
    note = next(n for n in api["not_shared"] if n["id"] == str(own.uuid))
    assert note["own_task"]["title"] == OWN_TASK_TITLE
    assert MARKERS["own_task.purpose"] not in str(api)
    patched = client.patch(
        f"/api/v1/citizens/{citizen}/plan/activities/{own.uuid}",
        data={"version": world["plan"].version, "title": "x"},
        content_type="application/json",
    )
    assert patched.status_code == 403
    # Someone else in psychiatry is not responsible: the task is simply not shared.
    colleague = make_professional("lars", psych.organisation, Profession.NURSE)
    add_member(citizen_obj, psych.user, role=NetworkRole.OTHER, professional=colleague)
    assert for_viewer(colleague.user, citizen_obj).withheld_item(own).own_task is None
    other = client_for(colleague).get(f"/citizens/{citizen}/plan/").content.decode()
    assert OWN_TASK_TITLE not in other
