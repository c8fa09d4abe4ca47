"""Registering a citizen never reveals whether enplan knows the CPR number; a known number
becomes a request to join the network that only the coordinating caseworker decides."""

import re

import pytest

from enplan.audit.models import Action, AuditEntry
from enplan.citizens.models import Citizen, JoinRequest, JoinRequestStatus
from enplan.network.models import NetworkMembership, NetworkRole
from enplan.organisations.models import Profession

from .conftest import fake_cpr, make_professional


def _registration(cpr: str, **extra) -> dict:
    return {
        "cpr": cpr,
        "given_name": "Karla",
        "family_name": "Kristensen",
        "municipality_code": "0159",
        "preferred_language": "da",
        "my_role": NetworkRole.MENTOR,
        **extra,
    }


def _normalise(html: str) -> str:
    """The page without what differs between any two requests (CSRF tokens, nonces)."""
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    return re.sub(r'"X-CSRFToken": "[^"]+"', "", html)


def _exchange(client, cpr: str, **extra):
    post = client.post("/citizens/new/", _registration(cpr, **extra))
    page = client.get(post["Location"]) if post.status_code == 302 else post
    return post, page


@pytest.mark.parametrize(
    "extra",
    [{}, {"my_role": NetworkRole.COORDINATOR}, {"note": "Jeg er mentor"}, {"given_name": ""}],
)
def test_known_and_unknown_cpr_answer_alike(client_for, citizen, outsider, extra):
    client = client_for(outsider)
    other = fake_cpr()
    known_post, known_page = _exchange(client, citizen.cpr, **extra)
    unknown_post, unknown_page = _exchange(client, other, **extra)
    assert known_post.status_code == unknown_post.status_code
    assert known_post.get("Location") == unknown_post.get("Location")
    assert sorted(k for k, _v in known_post.items()) == sorted(k for k, _v in unknown_post.items())
    # A form with an error shows what was typed: the typed numbers aside, the pages are equal.
    known_html = known_page.content.decode().replace(citizen.cpr, "CPR")
    unknown_html = unknown_page.content.decode().replace(other, "CPR")
    assert _normalise(known_html) == _normalise(unknown_html)
    for body in (known_post.content, known_page.content):
        assert citizen.family_name.encode() not in body
        assert citizen.cpr_display.encode() not in body


def test_a_psychiatry_nurse_asking_to_coordinate_is_refused_alike(client_for, citizen, psych):
    # psych is a member already, so use a nurse outside the network for the comparison.
    nurse = make_professional("nina", psych.organisation, Profession.NURSE)
    client = client_for(nurse)
    known, _ = _exchange(client, citizen.cpr, my_role=NetworkRole.COORDINATOR)
    unknown, _ = _exchange(client, fake_cpr(), my_role=NetworkRole.COORDINATOR)
    assert known.status_code == unknown.status_code == 422
    assert _normalise(known.content.decode()).replace(citizen.cpr, "") != ""
    assert not JoinRequest.objects.exists()


def test_the_requester_learns_nothing_until_the_coordinator_accepts(
    client_for, citizen, caseworker, outsider
):
    client = client_for(outsider)
    client.post("/citizens/new/", _registration(citizen.cpr, note="Jeg er mentor"))
    join = JoinRequest.objects.get()
    assert (join.requester, join.role, join.status) == (outsider, "mentor", "pending")
    assert AuditEntry.objects.filter(
        citizen_uuid=citizen.uuid, action=Action.CREATE, object_type="joinrequest"
    ).exists()
    assert client.get(f"/citizens/{citizen.uuid}/").status_code == 404
    assert citizen.family_name not in client.get("/citizens/").content.decode()
    # Asking again does not pile up requests.
    client.post("/citizens/new/", _registration(citizen.cpr, note="Jeg er mentor"))
    assert JoinRequest.objects.count() == 1

    coordinator = client_for(caseworker)
    response = coordinator.get(f"/citizens/{citizen.uuid}/")
    overview = response.content.decode()
    assert "Olga Test" in overview and "Jeg er mentor" in overview
    response = coordinator.post(
        f"/citizens/{citizen.uuid}/network/join-requests/",
        {"request": str(join.uuid), "decision": "accept", "role": NetworkRole.MENTOR},
    )
    assert response.status_code == 302
    join.refresh_from_db()
    assert join.status == JoinRequestStatus.ACCEPTED and join.decided_by == caseworker.user
    assert (
        NetworkMembership.objects.active()
        .filter(citizen=citizen, professional=outsider, role=NetworkRole.MENTOR)
        .exists()
    )
    client = client_for(outsider)
    assert client.get(f"/citizens/{citizen.uuid}/").status_code == 200


def test_a_declined_request_leaves_the_requester_outside(client_for, citizen, caseworker, outsider):
    client_for(outsider).post("/citizens/new/", _registration(citizen.cpr))
    join = JoinRequest.objects.get()
    client_for(caseworker).post(
        f"/citizens/{citizen.uuid}/network/join-requests/",
        {"request": str(join.uuid), "decision": "decline"},
    )
    join.refresh_from_db()
    assert join.status == JoinRequestStatus.DECLINED
    assert client_for(outsider).get(f"/citizens/{citizen.uuid}/").status_code == 404


def test_only_the_coordinator_decides(client_for, citizen, psych, outsider):
    client_for(outsider).post("/citizens/new/", _registration(citizen.cpr))
    join = JoinRequest.objects.get()
    member = client_for(psych)
    assert f"{join.uuid}" not in member.get(f"/citizens/{citizen.uuid}/").content.decode()
    response = member.post(
        f"/citizens/{citizen.uuid}/network/join-requests/",
        {"request": str(join.uuid), "decision": "accept"},
    )
    assert response.status_code in (302, 403)
    join.refresh_from_db()
    assert join.status == JoinRequestStatus.PENDING
    # The requester cannot decide their own request either (they cannot even see the citizen).
    response = client_for(outsider).post(
        f"/citizens/{citizen.uuid}/network/join-requests/",
        {"request": str(join.uuid), "decision": "accept"},
    )
    assert response.status_code == 404
    join.refresh_from_db()
    assert join.status == JoinRequestStatus.PENDING


def test_a_coordinator_request_is_accepted_in_another_role(client_for, citizen, caseworker):
    other = make_professional("ole", caseworker.organisation)
    client_for(other).post(
        "/citizens/new/", _registration(citizen.cpr, my_role=NetworkRole.COORDINATOR)
    )
    join = JoinRequest.objects.get()
    coordinator = client_for(caseworker)
    coordinator.post(
        f"/citizens/{citizen.uuid}/network/join-requests/",
        {"request": str(join.uuid), "decision": "accept"},
    )
    join.refresh_from_db()
    assert join.status == JoinRequestStatus.PENDING  # coordinator stays; a role must be chosen
    coordinator.post(
        f"/citizens/{citizen.uuid}/network/join-requests/",
        {"request": str(join.uuid), "decision": "accept", "role": NetworkRole.MENTOR},
    )
    join.refresh_from_db()
    assert join.status == JoinRequestStatus.ACCEPTED
    assert Citizen.objects.count() == 1
