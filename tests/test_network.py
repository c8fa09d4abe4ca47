import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from enplan.network.models import Handover, NetworkMembership, NetworkRole
from enplan.network.services import add_member, coordinator_of, end_membership, hand_over
from enplan.organisations.models import Profession

from .conftest import make_professional


def test_exactly_one_active_coordinator(citizen, caseworker, jobcenter):
    other = make_professional("jonas", jobcenter)
    with pytest.raises(ValidationError):
        add_member(citizen, None, role=NetworkRole.COORDINATOR, professional=other)
    with pytest.raises(IntegrityError), transaction.atomic():  # the database agrees
        NetworkMembership.objects.create(
            citizen=citizen,
            professional=other,
            organisation=jobcenter,
            role=NetworkRole.COORDINATOR,
            started_at=citizen.created_at,
        )
    assert coordinator_of(citizen).professional == caseworker


def test_coordinator_must_be_at_a_jobcenter(citizen, psych):
    with pytest.raises(ValidationError):
        hand_over(citizen, None, to_professional=psych, note="x")


def test_handover_is_recorded_and_moves_access(citizen, caseworker, jobcenter, client_for):
    new = make_professional("jonas", jobcenter)
    h = hand_over(citizen, caseworker.user, to_professional=new, note="Husk aftalen om praktik")
    assert coordinator_of(citizen).professional == new
    assert Handover.objects.get() == h and h.from_professional == caseworker
    assert not type(citizen).objects.visible_to(caseworker.user).exists()
    assert type(citizen).objects.visible_to(new.user).exists()


def test_handover_needs_a_note(citizen, jobcenter, caseworker, client_for):
    new = make_professional("jonas", jobcenter)
    response = client_for(caseworker).post(
        f"/citizens/{citizen.uuid}/network/handover/",
        {"to_professional": str(new.uuid), "note": ""},
    )
    assert response.status_code == 422
    assert coordinator_of(citizen).professional == caseworker
    assert not Handover.objects.exists()


def test_handover_through_the_page(citizen, jobcenter, caseworker, client_for):
    new = make_professional("jonas", jobcenter)
    response = client_for(caseworker).post(
        f"/citizens/{citizen.uuid}/network/handover/",
        {"to_professional": str(new.uuid), "note": "Borger vil have korte beskeder"},
    )
    assert response.status_code == 302 and response["Location"] == "/citizens/"
    assert coordinator_of(citizen).professional == new


def test_add_and_remove_member_through_the_page(citizen, caseworker, client_for, jobcenter):
    mentor = make_professional("ali", jobcenter, Profession.MENTOR)
    client = client_for(caseworker)
    response = client.post(
        f"/citizens/{citizen.uuid}/network/add/",
        {"professional": str(mentor.uuid), "role": NetworkRole.MENTOR},
    )
    assert response.status_code == 302
    m = NetworkMembership.objects.get(professional=mentor)
    page = client.get(f"/citizens/{citizen.uuid}/").content.decode()
    assert mentor.name in page and "Man 9-10" in page  # phone hours shown
    client.post(f"/citizens/{citizen.uuid}/network/{m.uuid}/end/")
    m.refresh_from_db()
    assert m.ended_at is not None


def test_coordinator_cannot_just_leave(citizen, caseworker):
    with pytest.raises(ValidationError):
        end_membership(coordinator_of(citizen), caseworker.user)


def test_add_member_bad_input(citizen, caseworker, client_for):
    response = client_for(caseworker).post(
        f"/citizens/{citizen.uuid}/network/add/", {"role": "mentor"}
    )
    assert response.status_code == 422
    assert NetworkMembership.objects.filter(citizen=citizen).count() == 2
