"""The plan is created when the citizen is registered (or at the first write for citizens
registered before that), never by opening a page (issue 10.10)."""

import datetime
import importlib

from django.apps import apps

from enplan.citizens.models import Citizen
from enplan.network.models import NetworkMembership, NetworkRole
from enplan.plans.models import Plan, PlanVersion, Track
from enplan.plans.snapshots import snapshot

from .conftest import fake_cpr, make_citizen

migration = importlib.import_module("enplan.plans.migrations.0003_create_missing_plans")


def _bare_citizen(caseworker) -> Citizen:
    """A citizen as registered before plans were created at registration: no plan row."""
    citizen = Citizen.objects.create(
        cpr=fake_cpr(),
        given_name="Gammel",
        family_name="Borger",
        birth_date=datetime.date(1980, 1, 2),
        municipality_code="0159",
    )
    NetworkMembership.objects.create(
        citizen=citizen,
        professional=caseworker,
        organisation=caseworker.organisation,
        role=NetworkRole.COORDINATOR,
        started_at=citizen.created_at,
    )
    return citizen


def test_registration_creates_the_empty_plan(caseworker):
    citizen = make_citizen(caseworker)
    plan = Plan.objects.get(citizen=citizen)
    assert plan.version == 1 and plan.tracks.count() == 2
    assert plan.versions.get().change == "created"


def test_pages_show_the_empty_plan_without_creating_it(caseworker, client_for):
    citizen = _bare_citizen(caseworker)
    client = client_for(caseworker)
    for url in (
        f"/citizens/{citizen.uuid}/",
        f"/citizens/{citizen.uuid}/plan/",
        f"/citizens/{citizen.uuid}/plan/history/",
        f"/citizens/{citizen.uuid}/plan/areas/",
        f"/citizens/{citizen.uuid}/plan/activities/new/",
        f"/api/v1/citizens/{citizen.uuid}/plan",
        f"/api/v1/citizens/{citizen.uuid}/plan/versions",
    ):
        assert client.get(url).status_code == 200, url
    assert client.get(f"/fhir/r4/CarePlan?subject=Patient/{citizen.uuid}").json()["total"] == 0
    assert client.get(f"/api/v1/citizens/{citizen.uuid}/plan").json()["goals"] == []
    assert not Plan.objects.filter(citizen=citizen).exists()


def test_the_first_write_creates_the_plan(caseworker, client_for):
    citizen = _bare_citizen(caseworker)
    response = client_for(caseworker).post(
        f"/citizens/{citizen.uuid}/plan/areas/",
        {"version": 1, "final_goal": "Et job i en børnehave"},
    )
    assert response.status_code == 302
    plan = Plan.objects.get(citizen=citizen)
    assert plan.final_goal == "Et job i en børnehave" and plan.version == 2
    assert list(plan.versions.values_list("change", flat=True)) == ["plan_updated", "created"]


def test_the_migration_creates_missing_plans_like_registration_does(caseworker):
    """Citizens without a plan get the same empty plan the code creates: two tracks and
    version 1, whose snapshot is what `snapshot()` would store."""
    bare = [_bare_citizen(caseworker) for _ in range(3)]
    registered = make_citizen(caseworker)
    before = Plan.objects.get(citizen=registered).updated_at
    migration.create_missing_plans(apps, None)
    for citizen in bare:
        plan = Plan.objects.get(citizen=citizen)
        assert plan.origin_id == caseworker.organisation_id
        assert sorted(plan.tracks.values_list("kind", flat=True)) == ["employment", "treatment"]
        version = PlanVersion.objects.get(plan=plan)
        assert (version.number, version.change) == (1, "created")
        assert version.snapshot == snapshot(plan)
    assert Plan.objects.get(citizen=registered).updated_at == before  # left alone
    migration.create_missing_plans(apps, None)  # idempotent
    assert Plan.objects.count() == 4 and Track.objects.count() == 8
