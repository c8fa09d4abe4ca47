import datetime

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.consent import Consent as FhirConsent

from enplan.consent.models import Category, Consent
from enplan.consent.policy import for_viewer
from enplan.consent.services import give, withdraw
from enplan.organisations.models import Sector
from enplan.plans import services

TODAY = datetime.date.today()
SECRET_GOAL = "Jobcentrets hemmelige delmål"


def _consent(
    citizen, actor, org=None, sector="", categories=("plan",), source=None, **extra
) -> Consent:
    """A consent recorded by `actor`, from `source` (default: the actor's organisation)."""
    source = source or actor.professional.organisation
    return give(
        citizen,
        actor,
        Consent(
            source_organisation=source,
            recipient_organisation=org,
            recipient_sector=sector,
            categories=list(categories),
            purpose="Koordinering af plan",
            valid_from=extra.pop("valid_from", TODAY),
            given_how="written",
            **extra,
        ),
    )


@pytest.fixture
def jobcenter_goal(plan, caseworker):
    services.update_plan(plan, caseworker.user, plan.version, {"final_goal": "Arbejde med dyr"})
    return services.add_goal(
        plan, caseworker.user, plan.version, {"title": SECRET_GOAL, "status": "open"}
    )


def test_own_organisation_always_sees_its_information(jobcenter_goal, citizen, caseworker):
    assert for_viewer(caseworker.user, citizen).can_see(Category.PLAN, jobcenter_goal.origin_id)


def test_other_organisation_needs_consent(jobcenter_goal, citizen, caseworker, psych):
    policy = for_viewer(psych.user, citizen)
    assert not policy.can_see(Category.PLAN, jobcenter_goal.origin_id)
    withheld = policy.withheld(Category.PLAN, jobcenter_goal.origin_id)
    assert withheld.origin == "Jobcenter Test"
    _consent(citizen, caseworker.user, org=psych.organisation)
    assert for_viewer(psych.user, citizen).can_see(Category.PLAN, jobcenter_goal.origin_id)
    assert not for_viewer(psych.user, citizen).can_see(Category.HEALTH, caseworker.organisation_id)


def test_sector_consent_period_and_withdrawal(jobcenter_goal, citizen, caseworker, psych):
    origin = jobcenter_goal.origin_id
    future = _consent(
        citizen,
        caseworker.user,
        sector=Sector.PSYCHIATRY,
        valid_from=TODAY + datetime.timedelta(days=3),
    )
    assert not for_viewer(psych.user, citizen).can_see("plan", origin)
    withdraw(future, caseworker.user)
    # Recorded a month ago (the service only records from today on), now expired.
    expired = Consent.objects.create(
        citizen=citizen,
        source_organisation=caseworker.organisation,
        recipient_sector=Sector.PSYCHIATRY,
        categories=["plan"],
        purpose="Koordinering",
        valid_from=TODAY - datetime.timedelta(days=30),
        valid_to=TODAY - datetime.timedelta(days=1),
        given_how="written",
    )
    assert expired.state == "expired" and not for_viewer(psych.user, citizen).can_see(
        "plan", origin
    )
    active = _consent(citizen, caseworker.user, sector=Sector.PSYCHIATRY)
    assert for_viewer(psych.user, citizen).can_see("plan", origin)
    withdraw(active, caseworker.user, "Borger ringede")
    assert not for_viewer(psych.user, citizen).can_see("plan", origin)


def test_plan_page_says_not_shared_without_leaking(jobcenter_goal, citizen, psych, client_for):
    body = client_for(psych).get(f"/citizens/{citizen.uuid}/plan/").content.decode()
    assert SECRET_GOAL not in body and "Arbejde med dyr" not in body
    assert "mangler samtykke" in body
    history = client_for(psych).get(f"/citizens/{citizen.uuid}/plan/history/").content.decode()
    assert SECRET_GOAL not in history and "mangler samtykke" in history
    compare = client_for(psych).get(f"/citizens/{citizen.uuid}/plan/compare/?a=1&b=3")
    assert SECRET_GOAL not in compare.content.decode()
    assert "Arbejde med dyr" not in compare.content.decode()


def test_plan_page_shows_content_under_consent(
    jobcenter_goal, citizen, caseworker, psych, client_for
):
    _consent(citizen, caseworker.user, org=psych.organisation)
    body = client_for(psych).get(f"/citizens/{citizen.uuid}/plan/").content.decode()
    assert SECRET_GOAL in body and "Arbejde med dyr" in body


def test_withheld_item_cannot_be_opened_or_edited(jobcenter_goal, citizen, psych, client_for):
    client = client_for(psych)
    url = f"/citizens/{citizen.uuid}/plan/goals/{jobcenter_goal.uuid}/"
    response = client.get(url)
    assert response.status_code == 403 and SECRET_GOAL not in response.content.decode()
    response = client.post(url, {"title": "x", "status": "open", "version": 3})
    assert response.status_code == 403
    jobcenter_goal.refresh_from_db()
    assert jobcenter_goal.title == SECRET_GOAL


def test_withheld_plan_fields_are_left_out_of_the_form(jobcenter_goal, citizen, psych, client_for):
    client = client_for(psych)
    form_page = client.get(f"/citizens/{citizen.uuid}/plan/areas/").content.decode()
    assert "Arbejde med dyr" not in form_page and 'name="final_goal"' not in form_page
    response = client.post(
        f"/citizens/{citizen.uuid}/plan/areas/",
        {"version": 3, "final_goal": "overskrevet", "area_psychiatry": "Medicin og samtaler"},
    )
    assert response.status_code == 302
    jobcenter_goal.plan.refresh_from_db()
    assert jobcenter_goal.plan.final_goal == "Arbejde med dyr"
    assert jobcenter_goal.plan.area_psychiatry == "Medicin og samtaler"


def test_api_and_fhir_follow_consent(jobcenter_goal, citizen, caseworker, psych, client_for):
    client = client_for(psych)
    plan = client.get(f"/api/v1/citizens/{citizen.uuid}/plan").json()
    assert plan["final_goal"] is None and plan["goals"] == []
    kinds = {(n["kind"], n["origin"]) for n in plan["not_shared"]}
    assert ("goal", "Jobcenter Test") in kinds and ("plan_field", "Jobcenter Test") in kinds
    assert SECRET_GOAL not in str(plan)
    goal_url = f"/api/v1/citizens/{citizen.uuid}/plan/goals/{jobcenter_goal.uuid}"
    patched = client.patch(
        goal_url, data={"version": 3, "title": "x"}, content_type="application/json"
    )
    assert patched.status_code == 403
    fhir = client.get(f"/fhir/r4/CarePlan/{jobcenter_goal.plan.uuid}").content.decode()
    assert SECRET_GOAL not in fhir and "Arbejde med dyr" not in fhir
    _consent(citizen, caseworker.user, org=psych.organisation)
    plan = client.get(f"/api/v1/citizens/{citizen.uuid}/plan").json()
    assert plan["goals"][0]["title"] == SECRET_GOAL and plan["not_shared"] == []


def test_consent_page_record_and_withdraw(citizen, caseworker, psych, client_for):
    client = client_for(caseworker)
    response = client.post(
        f"/citizens/{citizen.uuid}/consent/",
        {
            "source_organisation": str(caseworker.organisation.uuid),
            "recipient_organisation": str(psych.organisation.uuid),
            "categories": ["plan", "health"],
            "purpose": "Fælles plan",
            "valid_from": TODAY.isoformat(),
            "given_how": "verbal",
        },
    )
    assert response.status_code == 302
    consent = Consent.objects.get()
    assert consent.categories == ["plan", "health"] and consent.recorded_by == caseworker.user
    page = client.get(f"/citizens/{citizen.uuid}/consent/").content.decode()
    assert "Lokalpsykiatri Test" in page
    client.post(f"/citizens/{citizen.uuid}/consent/{consent.uuid}/withdraw/", {"note": "Ønske"})
    consent.refresh_from_db()
    assert consent.withdrawn_at and consent.withdrawn_by == caseworker.user


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (
            {
                "source_sector": "jobcenter",
                "categories": ["plan"],
                "purpose": "x",
                "valid_from": TODAY.isoformat(),
                "given_how": "written",
            },
            "recipient_organisation",
        ),  # no recipient
        (
            {
                "source_sector": "jobcenter",
                "recipient_sector": "lokalpsykiatri",
                "purpose": "x",
                "valid_from": TODAY.isoformat(),
                "given_how": "written",
            },
            "categories",
        ),
        (
            {
                "source_sector": "jobcenter",
                "recipient_sector": "lokalpsykiatri",
                "categories": ["gossip"],
                "purpose": "x",
                "valid_from": TODAY.isoformat(),
                "given_how": "written",
            },
            "categories",
        ),
        (
            {
                "source_sector": "jobcenter",
                "recipient_sector": "lokalpsykiatri",
                "categories": ["plan"],
                "purpose": "x",
                "valid_from": TODAY.isoformat(),
                "valid_to": (TODAY - datetime.timedelta(days=1)).isoformat(),
                "given_how": "written",
            },
            "valid_to",
        ),
        (
            {
                "source_sector": "jobcenter",
                "recipient_sector": "lokalpsykiatri",
                "categories": ["plan"],
                "purpose": "x" * 1001,
                "valid_from": TODAY.isoformat(),
                "given_how": "written",
            },
            "purpose",
        ),
    ],
)
def test_consent_bad_input(data, error, citizen, caseworker, client_for):
    response = client_for(caseworker).post(f"/citizens/{citizen.uuid}/consent/", data)
    assert response.status_code == 422
    assert error in response.context["form"].errors
    assert not Consent.objects.exists()


def test_consent_api_and_fhir_export(citizen, caseworker, psych, client_for, outsider):
    client = client_for(caseworker)
    created = client.post(
        f"/api/v1/citizens/{citizen.uuid}/consents",
        data={
            "source_organisation": str(caseworker.organisation.uuid),
            "recipient_organisation": str(psych.organisation.uuid),
            "categories": ["health"],
            "purpose": "Behandling og job",
            "valid_from": TODAY.isoformat(),
            "given_how": "digital",
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    cid = created.json()["id"]
    resource = FhirConsent.model_validate(client.get(f"/fhir/r4/Consent/{cid}").json())
    assert resource.status == "active" and resource.provision.class_fhir[0].code == "health"
    roles = {a.role.coding[0].code: a.reference.identifier.value for a in resource.provision.actor}
    assert roles == {"CST": "900000000000001", "IRCP": "900000000000002"}
    bundle = Bundle.model_validate(
        client.get(f"/fhir/r4/Consent?patient=Patient/{citizen.uuid}").json()
    )
    assert bundle.total == 1
    withdrawn = client.post(
        f"/api/v1/citizens/{citizen.uuid}/consents/{cid}/withdraw",
        data={"note": ""},
        content_type="application/json",
    )
    assert withdrawn.json()["state"] == "withdrawn"
    resource = FhirConsent.model_validate(client.get(f"/fhir/r4/Consent/{cid}").json())
    assert resource.status == "inactive"
    bad = client.post(
        f"/api/v1/citizens/{citizen.uuid}/consents",
        data={
            "recipient_sector": "lokalpsykiatri",
            "categories": [],
            "purpose": "x",
            "valid_from": "2026-01-01",
            "given_how": "written",
        },
        content_type="application/json",
    )
    assert bad.status_code == 422
    other = client_for(outsider)
    assert other.get(f"/fhir/r4/Consent/{cid}").status_code == 404
