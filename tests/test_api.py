import json
import uuid

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.careplan import CarePlan
from fhir.resources.R4B.careteam import CareTeam

from enplan.accounts.models import ApiToken
from enplan.citizens.models import Citizen
from enplan.plans import services
from enplan.plans.models import Goal, Plan

from .conftest import fake_cpr


@pytest.fixture
def api(client, caseworker):
    _, raw = ApiToken.issue(caseworker.user, "test")

    def call(method, path, data=None, token=raw, **params):
        kwargs = {"headers": {"Authorization": f"Bearer {token}"}} if token else {}
        if data is not None:
            kwargs.update(data=json.dumps(data), content_type="application/json")
        url = path + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")
        return getattr(client, method)(url, **kwargs)

    return call


def test_openapi_document_is_served(client):
    doc = client.get("/api/v1/openapi.json").json()
    paths = doc["paths"]
    assert "/api/v1/citizens/{citizen_id}/plan" in paths
    assert "patch" in paths["/api/v1/citizens/{citizen_id}/plan"]
    assert client.get("/api/v1/docs").status_code == 200


def test_requires_authentication(client, citizen):
    assert client.get("/api/v1/citizens").status_code == 401
    assert (
        client.get("/api/v1/citizens", headers={"Authorization": "Bearer nope"}).status_code == 401
    )


def test_revoked_token_is_refused(api, caseworker):
    token, raw = ApiToken.issue(caseworker.user, "x")
    token.revoke()
    assert api("get", "/api/v1/citizens", token=raw).status_code == 401


def test_list_and_read_citizen(api, citizen):
    listing = api("get", "/api/v1/citizens").json()
    assert listing["count"] == 1 and listing["items"][0]["id"] == str(citizen.uuid)
    body = api("get", f"/api/v1/citizens/{citizen.uuid}").json()
    assert body["cpr"] == citizen.cpr and body["family_name"] == "Andersen"


def test_outside_network_is_404_without_data(api, outsider, citizen):
    _, raw = ApiToken.issue(outsider.user, "o")
    for path in (
        f"/api/v1/citizens/{citizen.uuid}",
        f"/api/v1/citizens/{citizen.uuid}/plan",
        f"/api/v1/citizens/{citizen.uuid}/network",
        f"/api/v1/citizens/{citizen.uuid}/plan/versions",
        f"/fhir/r4/CareTeam/{citizen.uuid}",
        f"/fhir/r4/CarePlan/{uuid.uuid4()}",
    ):
        response = api("get", path, token=raw)
        assert response.status_code == 404, path
        assert "Andersen" not in response.content.decode()
    response = api(
        "patch",
        f"/api/v1/citizens/{citizen.uuid}/plan",
        {"version": 1, "final_goal": "hacked"},
        token=raw,
    )
    assert response.status_code == 404
    assert Plan.objects.get(citizen=citizen).final_goal == ""
    bundle = api("get", "/fhir/r4/CarePlan", token=raw, subject=f"Patient/{citizen.uuid}").json()
    assert bundle["total"] == 0


def test_manager_is_refused(api, manager, citizen):
    _, raw = ApiToken.issue(manager, "m")
    response = api("get", f"/api/v1/citizens/{citizen.uuid}", token=raw)
    assert response.status_code == 403 and "Andersen" not in response.content.decode()
    listing = api("get", "/api/v1/citizens", token=raw)
    assert listing.status_code == 403 and "Andersen" not in listing.content.decode()


def test_create_citizen(api):
    response = api(
        "post",
        "/api/v1/citizens",
        {
            "cpr": "170590-" + fake_cpr()[6:],
            "given_name": "Karl",
            "family_name": "Krog",
            "municipality_code": "0159",
        },
    )
    assert response.status_code == 202, response.content
    assert Citizen.objects.get(family_name="Krog").plan.version == 1


def test_create_citizen_answers_alike_for_a_known_cpr(api, citizen, outsider):
    """The API, like the page, does not reveal whether a CPR number is known."""
    _, token = ApiToken.issue(outsider.user, "probe")
    bodies = []
    for cpr in (citizen.cpr, fake_cpr()):
        payload = {"cpr": cpr, "given_name": "K", "family_name": "Ny", "municipality_code": "0159"}
        response = api("post", "/api/v1/citizens", payload, token=token)
        bodies.append((response.status_code, response.content))
    assert bodies[0] == bodies[1] and bodies[0][0] == 202
    assert Citizen.objects.filter(cpr=citizen.cpr).count() == 1


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        (
            {
                "cpr": "320190-1234",
                "given_name": "K",
                "family_name": "K",
                "municipality_code": "0159",
            },
            "cpr",
        ),
        ({"cpr": "170590-1234", "family_name": "K", "municipality_code": "0159"}, "given_name"),
        (
            {
                "cpr": "170590-1234",
                "given_name": "K" * 101,
                "family_name": "K",
                "municipality_code": "0159",
            },
            "given_name",
        ),
    ],
)
def test_create_citizen_bad_input(api, payload, field):
    response = api("post", "/api/v1/citizens", payload)
    assert response.status_code == 422
    assert field in response.json()["errors"]
    assert not Citizen.objects.filter(family_name="K").exists()


def test_malformed_json_is_a_clear_4xx(client, caseworker, citizen):
    _, raw = ApiToken.issue(caseworker.user, "t")
    response = client.patch(
        f"/api/v1/citizens/{citizen.uuid}/plan",
        data="{not json",
        content_type="application/json",
        headers={"Authorization": f"Bearer {raw}"},
    )
    assert 400 <= response.status_code < 500


def test_plan_read_write_and_conflict(api, citizen, psych):
    path = f"/api/v1/citizens/{citizen.uuid}/plan"
    plan = api("get", path).json()
    assert plan["version"] == 1 and len(plan["tracks"]) == 2
    updated = api(
        "patch",
        path,
        {
            "version": 1,
            "final_goal": "Arbejde med dyr",
            "followup_at": "2026-12-01T10:00:00+01:00",
            "followup_place": "Jobcentret",
        },
    )
    assert updated.status_code == 200, updated.content
    assert updated.json()["version"] == 2 and updated.json()["final_goal"] == "Arbejde med dyr"
    stale = api("patch", path, {"version": 1, "final_goal": "Overskrevet"})
    assert stale.status_code == 409 and stale.json()["current_version"] == 2
    assert api("get", path).json()["final_goal"] == "Arbejde med dyr"
    missing = api("patch", path, {"final_goal": "uden version"})
    assert missing.status_code == 422
    too_long = api("patch", path, {"version": 2, "final_goal": "x" * 2001})
    assert too_long.status_code == 422 and "final_goal" in too_long.json()["errors"]
    assert api("get", path).json()["version"] == 2


def test_goals_and_activities_over_the_api(api, citizen, psych):
    base = f"/api/v1/citizens/{citizen.uuid}/plan"
    goal = api("post", f"{base}/goals", {"version": 1, "title": "Sove bedre", "status": "open"})
    assert goal.status_code == 201, goal.content
    gid = goal.json()["id"]
    member = citizen.memberships.get(professional=psych)
    act = api(
        "post",
        f"{base}/activities",
        {
            "version": 2,
            "title": "Samtaleforløb",
            "starts_on": "2026-12-01",
            "ends_on": "2027-01-15",
            "responsible": str(member.uuid),
            "purpose": "Mindre angst",
            "legal_basis": "sundhedsloven",
            "goal": gid,
            "status": "planned",
        },
    )
    assert act.status_code == 201, act.content
    assert act.json()["organisation_name"] == psych.organisation.name
    bad = api(
        "post",
        f"{base}/activities",
        {
            "version": 3,
            "title": "x",
            "starts_on": "2026-12-10",
            "ends_on": "2026-12-01",
            "purpose": "p",
            "legal_basis": "lab",
            "responsible": str(member.uuid),
        },
    )
    assert bad.status_code == 422 and "ends_on" in bad.json()["errors"]
    patched = api("patch", f"{base}/goals/{gid}", {"version": 3, "status": "achieved"})
    assert patched.status_code == 200 and patched.json()["title"] == "Sove bedre"
    assert api("delete", f"{base}/goals/{gid}", version=3).status_code == 409
    assert api("delete", f"{base}/goals/{gid}", version=4).status_code == 204
    assert not Goal.objects.exists()
    versions = api("get", f"{base}/versions").json()
    assert [v["change"] for v in versions][:2] == ["goal_removed", "goal_updated"]
    snap = api("get", f"{base}/versions/3").json()["snapshot"]
    assert snap["activities"][0]["title"] == "Samtaleforløb"


def test_network_over_the_api(api, citizen, psych, jobcenter):
    from .conftest import make_professional

    base = f"/api/v1/citizens/{citizen.uuid}/network"
    members = api("get", base).json()
    assert {m["professional"] for m in members} == {"Mette Test", "Lene Test"}
    assert all(m["phone_hours"] for m in members)
    mentor = make_professional("ali", jobcenter)
    added = api("post", base, {"role": "mentor", "professional": str(mentor.uuid)})
    assert added.status_code == 201
    dup = api("post", base, {"role": "mentor", "professional": str(mentor.uuid)})
    assert dup.status_code == 422
    assert api("post", base, {"role": "bogus", "professional": str(mentor.uuid)}).status_code == 422
    assert api("delete", f"{base}/{added.json()['id']}").status_code == 204
    new = make_professional("jonas", jobcenter)
    handover = api("post", f"{base}/handover", {"to_professional": str(new.uuid), "note": ""})
    assert handover.status_code == 422
    handover = api("post", f"{base}/handover", {"to_professional": str(new.uuid), "note": "Hej"})
    assert handover.status_code == 201 and handover.json()["professional"] == "Jonas Test"


def test_fhir_careplan_and_careteam_validate(api, citizen, caseworker, psych, plan):
    member = citizen.memberships.get(professional=psych)
    goal = services.add_goal(
        plan,
        caseworker.user,
        1,
        {"title": "Sove bedre", "status": "achieved", "area": 3, "evaluation": "Bedre"},
    )
    services.add_activity(
        plan,
        caseworker.user,
        2,
        {
            "title": "Samtaler",
            "starts_on": "2026-12-01",
            "responsible": member,
            "organisation": member.organisation,
            "purpose": "Angst",
            "legal_basis": "sundhedsloven",
            "status": "ongoing",
            "goal": goal,
        },
    )
    response = api("get", f"/fhir/r4/CarePlan/{plan.uuid}")
    assert response.status_code == 200 and response["Content-Type"] == "application/fhir+json"
    cp = CarePlan.model_validate(response.json())
    assert cp.subject.reference == f"Patient/{citizen.uuid}"
    assert cp.contained[0].description.text == "Sove bedre"
    assert cp.goal[0].reference == f"#goal-{goal.uuid}"
    assert cp.activity[0].detail.status == "in-progress"
    assert cp.meta.versionId == "3"
    team = CareTeam.model_validate(api("get", f"/fhir/r4/CareTeam/{citizen.uuid}").json())
    assert {p.member.display for p in team.participant} == {"Mette Test", "Lene Test"}
    sor = {p.onBehalfOf.identifier.value for p in team.participant}
    assert sor == {"900000000000001", "900000000000002"}
    bundle = Bundle.model_validate(
        api("get", "/fhir/r4/CarePlan", subject=f"Patient/{citizen.uuid}").json()
    )
    assert bundle.total == 1 and bundle.entry[0].resource.id == str(plan.uuid)
    assert api("get", "/fhir/r4/CarePlan", subject="Patient/not-a-uuid").json()["total"] == 0


def test_session_auth_needs_csrf(caseworker, citizen):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(caseworker.user)
    assert client.get(f"/api/v1/citizens/{citizen.uuid}/plan").status_code == 200
    response = client.patch(
        f"/api/v1/citizens/{citizen.uuid}/plan",
        data=json.dumps({"version": 1, "final_goal": "x"}),
        content_type="application/json",
    )
    assert response.status_code == 403
    assert Plan.objects.get(citizen=citizen).final_goal == ""


# --- the API says what it does: one error shape, documented (issue 10.9) ---------------------


def _documented(client, path: str, method: str, status: int) -> dict:
    doc = client.get("/api/v1/openapi.json").json()
    response = doc["paths"][path][method]["responses"][str(status)]
    ref = response["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    return doc["components"]["schemas"][ref]


def _matches(body: dict, schema: dict) -> bool:
    return set(schema["required"]) <= set(body) and isinstance(body["detail"], str)


def test_ninjas_own_validation_errors_have_the_documented_shape(api, client, citizen):
    bad = api("get", "/api/v1/citizens/not-a-uuid")
    assert bad.status_code == 422
    body = bad.json()
    assert _matches(body, _documented(client, "/api/v1/citizens/{citizen_id}", "get", 422))
    assert body["errors"] == {"citizen_id": [body["errors"]["citizen_id"][0]]}
    typed = api("post", "/api/v1/citizens", {"given_name": 7, "cpr": []})
    assert typed.status_code == 422 and set(typed.json()["errors"]) >= {"cpr"}
    assert isinstance(typed.json()["detail"], str)


@pytest.mark.parametrize(
    "params", [{"offset": 10**30}, {"limit": 10**30}, {"offset": -1}, {"limit": 0}]
)
def test_huge_or_negative_offsets_are_a_422(api, client, citizen, params):
    response = api("get", "/api/v1/citizens", **params)
    assert response.status_code == 422
    assert _matches(response.json(), _documented(client, "/api/v1/citizens", "get", 422))
    log = api("get", f"/api/v1/citizens/{citizen.uuid}/access-log", **params)
    assert log.status_code == 422


def test_a_huge_number_in_a_path_is_a_422_not_a_500(api, citizen):
    response = api("get", f"/api/v1/citizens/{citizen.uuid}/plan/versions/{10**30}")
    assert response.status_code in (404, 422)
    assert isinstance(response.json()["detail"], str)


def test_lone_surrogates_in_json_are_refused(client, caseworker, citizen):
    _, raw = ApiToken.issue(caseworker.user, "t")
    response = client.patch(
        f"/api/v1/citizens/{citizen.uuid}",
        data=b'{"given_name": "Ann\\ud800a"}',
        content_type="application/json",
        headers={"Authorization": f"Bearer {raw}"},
    )
    assert response.status_code == 400 and isinstance(response.json()["detail"], str)
    citizen.refresh_from_db()
    assert citizen.given_name != "Ann\ud800a"


@pytest.mark.parametrize("megabytes", [3, 5])
def test_multi_megabyte_json_bodies_are_a_413(client, caseworker, citizen, megabytes):
    _, raw = ApiToken.issue(caseworker.user, "t")
    body = json.dumps({"given_name": "A", "communication_preferences": "x" * megabytes * 2**20})
    response = client.patch(
        f"/api/v1/citizens/{citizen.uuid}",
        data=body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {raw}"},
    )
    assert response.status_code == 413
    assert response.json() == {"detail": "The request body is too large."}


def test_every_operation_documents_the_statuses_ninja_can_answer(client):
    for prefix in ("/api/v1", "/fhir/r4"):
        doc = client.get(f"{prefix}/openapi.json").json()
        for path, item in doc["paths"].items():
            for method, operation in item.items():
                statuses = set(operation["responses"])
                assert {"401", "403", "422"} <= statuses, (method, path)
                if "{" in path:
                    assert "404" in statuses, (method, path)
                if "requestBody" in operation:
                    assert {"400", "413", "415"} <= statuses, (method, path)
                for status, response in operation["responses"].items():
                    if status.startswith("4"):
                        assert response.get("content"), (method, path, status)


def test_fhir_errors_are_operation_outcomes(api):
    for path in ("/fhir/r4/CarePlan/not-a-uuid", f"/fhir/r4/CareTeam/{uuid.uuid4()}"):
        response = api("get", path)
        assert response.status_code in (404, 422)
        assert response["Content-Type"].startswith("application/fhir+json")
        assert response.json()["resourceType"] == "OperationOutcome"
