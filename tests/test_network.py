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


# --- who may change the network (issue 10.2) ----------------------------------------------


def test_only_the_coordinator_hands_over(citizen, caseworker, psych, jobcenter, client_for):
    """A member who is not the coordinator cannot push her out: refused, audited, unchanged."""
    from django.core.exceptions import PermissionDenied

    from enplan.audit.models import AuditEntry

    colleague = make_professional("sofie", jobcenter)
    add_member(citizen, caseworker.user, role=NetworkRole.CASEWORKER, professional=colleague)
    for member in (psych, colleague):
        with pytest.raises(PermissionDenied):
            hand_over(citizen, member.user, to_professional=colleague, note="Jeg tager over")
        response = client_for(member).post(
            f"/citizens/{citizen.uuid}/network/handover/",
            {"to_professional": str(colleague.uuid), "note": "Jeg tager over"},
        )
        assert response.status_code == 403
        assert (
            client_for(member).get(f"/citizens/{citizen.uuid}/network/handover/").status_code == 403
        )
    assert coordinator_of(citizen).professional == caseworker
    assert not Handover.objects.exists()
    refused = AuditEntry.objects.filter(action="refused", context__reason="network.hand_over")
    assert refused.count() == 4  # two members × service call and page


def test_only_the_coordinator_removes_others_but_anyone_may_leave(
    citizen, caseworker, psych, jobcenter
):
    from django.core.exceptions import PermissionDenied

    mentor = make_professional("ali", jobcenter, Profession.MENTOR)
    m = add_member(citizen, psych.user, role=NetworkRole.MENTOR, professional=mentor)
    with pytest.raises(PermissionDenied):
        end_membership(m, psych.user)  # a member adds, but does not remove others
    m.refresh_from_db()
    assert m.ended_at is None
    own = NetworkMembership.objects.get(citizen=citizen, professional=psych)
    end_membership(own, psych.user)  # leaving yourself is yours
    own.refresh_from_db()
    assert own.ended_at is not None
    end_membership(m, caseworker.user)
    m.refresh_from_db()
    assert m.ended_at is not None


def test_the_api_refuses_a_members_handover(citizen, caseworker, psych, jobcenter, client_for):
    new = make_professional("jonas", jobcenter)
    response = client_for(psych).post(
        f"/api/v1/citizens/{citizen.uuid}/network/handover",
        data={"to_professional": str(new.uuid), "note": "x"},
        content_type="application/json",
    )
    assert response.status_code == 403 and "koordinerende" in response.json()["detail"]
    assert coordinator_of(citizen).professional == caseworker


# --- destructive actions ask first (issue 11.3) -------------------------------------------


def _mentor(citizen, caseworker, jobcenter):
    mentor = make_professional("ali", jobcenter, Profession.MENTOR)
    return add_member(citizen, caseworker.user, role=NetworkRole.MENTOR, professional=mentor)


def test_removing_a_member_asks_first_without_javascript(
    citizen, caseworker, jobcenter, client_for
):
    m = _mentor(citizen, caseworker, jobcenter)
    client = client_for(caseworker)
    url = f"/citizens/{citizen.uuid}/network/{m.uuid}/end/"
    overview = client.get(f"/citizens/{citizen.uuid}/").content.decode()
    assert f'href="{url}"' in overview  # a link to the question, not a form that acts at once
    assert f'action="{url}"' not in overview
    page = client.get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert "Ali Test" in text and f'action="{url}"' in text and 'method="post"' in text
    m.refresh_from_db()
    assert m.ended_at is None  # asking changed nothing
    assert client.post(url).status_code == 302
    m.refresh_from_db()
    assert m.ended_at is not None


def test_removing_a_member_asks_in_place_with_htmx(citizen, caseworker, jobcenter, client_for):
    m = _mentor(citizen, caseworker, jobcenter)
    client = client_for(caseworker)
    url = f"/citizens/{citizen.uuid}/network/{m.uuid}/end/"
    fragment = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert fragment.lstrip().startswith(f'<li id="member-{m.uuid}"')  # replaces the row
    assert "<html" not in fragment and "<script" not in fragment and "style=" not in fragment
    assert f'action="{url}"' in fragment and f'hx-get="{url}?cancel=1"' in fragment
    cancelled = client.get(f"{url}?cancel=1", headers={"HX-Request": "true"}).content.decode()
    assert "Ali Test" in cancelled and f'hx-get="{url}"' in cancelled
    m.refresh_from_db()
    assert m.ended_at is None


def test_only_those_allowed_see_the_buttons(citizen, caseworker, psych, jobcenter, client_for):
    m = _mentor(citizen, caseworker, jobcenter)
    remove = f"/citizens/{citizen.uuid}/network/{m.uuid}/end/"
    handover = f"/citizens/{citizen.uuid}/network/handover/"
    as_coordinator = client_for(caseworker).get(f"/citizens/{citizen.uuid}/").content.decode()
    assert remove in as_coordinator and handover in as_coordinator
    as_member = client_for(psych).get(f"/citizens/{citizen.uuid}/").content.decode()
    assert remove not in as_member and handover not in as_member
    own = NetworkMembership.objects.get(citizen=citizen, professional=psych)
    assert f"/network/{own.uuid}/end/" in as_member  # but she may leave herself
    assert client_for(psych).get(remove).status_code == 403


def test_coordinator_has_no_remove_button(citizen, caseworker, client_for):
    page = client_for(caseworker).get(f"/citizens/{citizen.uuid}/").content.decode()
    assert f"/network/{coordinator_of(citizen).uuid}/end/" not in page


# --- the network announces, messaging reacts (issue 16) -----------------------------------


def test_network_imports_no_app_above_it():
    """network → messaging → network was a cycle; now the network only announces."""
    import ast
    from pathlib import Path

    import enplan.network

    above = ("enplan.messaging", "enplan.plans", "enplan.consent", "enplan.api")
    for source in Path(enplan.network.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                assert not node.module.startswith(above), f"{source.name} imports {node.module}"
            if isinstance(node, ast.Import):
                for alias in node.names:
                    assert not alias.name.startswith(above), f"{source.name}: {alias.name}"


def test_coordinator_assigned_is_announced(citizen, caseworker, jobcenter):
    from enplan.network.signals import coordinator_assigned

    heard = []

    def listener(sender, **kwargs):
        heard.append(kwargs)

    coordinator_assigned.connect(listener)
    try:
        new = make_professional("jonas", jobcenter)
        hand_over(citizen, caseworker.user, to_professional=new, note="Ny")
    finally:
        coordinator_assigned.disconnect(listener)
    assert len(heard) == 1 and heard[0]["membership"].professional == new
    assert heard[0]["actor"] == caseworker.user and heard[0]["citizen"] == citizen


def test_the_coordinator_is_told_to_hand_over_instead(citizen, caseworker, client_for):
    own = coordinator_of(citizen)
    response = client_for(caseworker).get(f"/citizens/{citizen.uuid}/network/{own.uuid}/end/")
    assert response.status_code == 403
    assert "overdrag" in response.content.decode().lower()
