import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from enplan.citizens.models import Citizen, Contact
from enplan.network.models import NetworkRole
from enplan.plans import services

from .conftest import fake_cpr, make_citizen


def _new_citizen(**extra):
    return {
        "cpr": "170590-" + fake_cpr()[6:],
        "given_name": "Karla",
        "family_name": "Kristensen",
        "municipality_code": "0159",
        "preferred_language": "da",
        "my_role": NetworkRole.COORDINATOR,
        **extra,
    }


def test_register_citizen_makes_me_coordinator_and_creates_plan(caseworker, client_for):
    response = client_for(caseworker).post("/citizens/new/", _new_citizen())
    citizen = Citizen.objects.get(family_name="Kristensen")
    assert response.status_code == 302
    assert citizen.birth_date == datetime.date(1990, 5, 17)
    assert citizen.memberships.get().role == NetworkRole.COORDINATOR
    assert citizen.plan.version == 1


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"cpr": "320190-1234"}, "cpr"),
        ({"cpr": "12345"}, "cpr"),
        ({"given_name": ""}, "given_name"),
        ({"family_name": "x" * 101}, "family_name"),
        ({"municipality_code": "abc"}, "municipality_code"),
        ({"needs_interpreter": "on", "interpreter_language": ""}, "interpreter_language"),
        ({"communication_preferences": "x" * 1001}, "communication_preferences"),
    ],
)
def test_register_bad_input(override, field, caseworker, client_for):
    response = client_for(caseworker).post("/citizens/new/", _new_citizen(**override))
    assert response.status_code == 422
    assert field in response.context["form"].errors
    assert not Citizen.objects.exists()


def test_psychiatry_cannot_register_as_coordinator(psych, client_for):
    response = client_for(psych).post("/citizens/new/", _new_citizen())
    assert response.status_code == 422
    assert response.context["form"].errors["my_role"]
    assert not Citizen.objects.exists()


def test_a_known_cpr_becomes_a_join_request_and_reveals_nothing(citizen, outsider, client_for):
    response = client_for(outsider).post("/citizens/new/", _new_citizen(cpr=citizen.cpr))
    assert response.status_code == 302 and response["Location"] == "/citizens/new/sent/"
    assert citizen.join_requests.get().requester == outsider
    assert Citizen.objects.filter(cpr=citizen.cpr).count() == 1


def test_edit_details(citizen, caseworker, client_for):
    data = _new_citizen(
        cpr=citizen.cpr,
        needs_interpreter="on",
        interpreter_language="ar",
        interpreter_dialect="Irakisk",
        communication_preferences="Korte beskeder",
    )
    data.pop("my_role")
    response = client_for(caseworker).post(f"/citizens/{citizen.uuid}/edit/", data)
    assert response.status_code == 302
    citizen.refresh_from_db()
    assert citizen.interpreter_dialect == "Irakisk" and citizen.family_name == "Kristensen"


def test_caseload_shows_followup_overdue_and_last_contact(citizen, caseworker, plan, client_for):
    member = citizen.memberships.get(role=NetworkRole.COORDINATOR)
    services.add_activity(
        plan,
        caseworker.user,
        1,
        {
            "title": "Gammel",
            "starts_on": datetime.date(2020, 1, 1),
            "ends_on": datetime.date(2020, 2, 1),
            "responsible": member,
            "organisation": member.organisation,
            "purpose": "x",
            "legal_basis": "lab",
            "status": "ongoing",
        },
    )
    when = timezone.now() + datetime.timedelta(days=3)
    services.update_plan(plan, caseworker.user, 2, {"followup_at": when, "followup_place": "JC"})
    Contact.objects.create(citizen=citizen, at=timezone.now(), kind="phone")
    response = client_for(caseworker).get("/citizens/")
    row = response.context["page"].object_list[0]
    assert row.overdue == 1 and row.next_followup == when and row.last_contact
    assert row.my_role == NetworkRole.COORDINATOR
    assert "Andersen" in response.content.decode()


def test_caseload_search_and_filter(citizen, caseworker, psych, client_for):
    make_citizen(caseworker, given_name="Zeynep", family_name="Yilmaz")
    client = client_for(psych)
    assert [c.family_name for c in client.get("/citizens/").context["page"]] == ["Andersen"]
    assert client.get("/citizens/?mine=1").context["page"].paginator.count == 0
    client = client_for(caseworker)
    assert client.get("/citizens/?q=zey").context["page"].paginator.count == 1
    assert client.get("/citizens/?order=bogus").status_code == 200


def test_caseload_query_count_is_constant(caseworker, client_for):
    client = client_for(caseworker)
    make_citizen(caseworker)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/citizens/").status_code == 200
        return len(ctx.captured_queries)

    few = count()
    for _ in range(30):
        make_citizen(caseworker)
    assert count() == few


def test_overview_query_count_is_constant(citizen, caseworker, client_for, jobcenter):
    from enplan.network.services import add_member

    from .conftest import make_professional

    client = client_for(caseworker)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"/citizens/{citizen.uuid}/").status_code == 200
        return len(ctx.captured_queries)

    few = count()
    for i in range(10):
        add_member(citizen, None, role="mentor", professional=make_professional(f"m{i}", jobcenter))
    assert count() == few


def test_register_contact(citizen, caseworker, client_for):
    client = client_for(caseworker)
    response = client.post(
        f"/citizens/{citizen.uuid}/contacts/new/",
        {"at": "2026-11-20T10:00", "kind": "phone", "summary": "Aftalt møde"},
    )
    assert response.status_code == 302
    assert Contact.objects.get().registered_by == caseworker.user
    response = client.post(f"/citizens/{citizen.uuid}/contacts/new/", {"kind": "fax"})
    assert response.status_code == 422 and Contact.objects.count() == 1
