"""Query discipline (issue 5): what a page or API call costs in queries does not grow with the
number of rows it shows. The HTML caseload, overview and plan pages are covered in
test_citizens.py and test_plans.py; these cover the API, FHIR and the access log, which read
the same data another way."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from enplan.accounts.models import ApiToken
from enplan.audit.models import Action
from enplan.audit.services import record
from enplan.network.services import add_member
from enplan.plans import services

from .conftest import make_citizen, make_professional


def _count(client, url: str, **kwargs) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, **kwargs)
    assert response.status_code == 200, response.content[:300]
    return len(ctx.captured_queries)


@pytest.fixture
def bearer(caseworker):
    _token, raw = ApiToken.issue(caseworker.user, "query counts")
    return {"headers": {"Authorization": f"Bearer {raw}"}}


def _grow_plan(plan, caseworker, member, n: int) -> None:
    for i in range(n):
        goal = services.add_goal(
            plan, caseworker.user, plan.version, {"title": f"Mål {i}", "status": "open"}
        )
        services.add_activity(
            plan,
            caseworker.user,
            plan.version,
            {
                "title": f"Aktivitet {i}",
                "goal": goal,
                "starts_on": timezone.localdate(),
                "ends_on": timezone.localdate() + datetime.timedelta(days=30),
                "responsible": member,
                "organisation": member.organisation,
                "purpose": "Afklare arbejdsevne",
                "legal_basis": "lab",
                "status": "planned",
            },
        )


@pytest.mark.parametrize("kind", ["api", "fhir"])
def test_plan_api_and_fhir_query_count_is_constant(
    kind, plan, caseworker, citizen, psych, client, bearer
):
    url = (
        f"/api/v1/citizens/{citizen.uuid}/plan"
        if kind == "api"
        else f"/fhir/r4/CarePlan/{plan.uuid}"
    )
    member = citizen.memberships.get(professional=psych)
    _grow_plan(plan, caseworker, member, 1)
    few = _count(client, url, **bearer)
    _grow_plan(plan, caseworker, member, 15)
    assert _count(client, url, **bearer) == few


def test_caseload_api_query_count_is_constant(caseworker, client, bearer):
    make_citizen(caseworker)
    few = _count(client, "/api/v1/citizens", **bearer)
    for _ in range(30):
        make_citizen(caseworker)
    assert _count(client, "/api/v1/citizens", **bearer) == few


def test_network_api_query_count_is_constant(citizen, caseworker, jobcenter, client, bearer):
    url = f"/api/v1/citizens/{citizen.uuid}/network"
    few = _count(client, url, **bearer)
    for i in range(10):
        add_member(citizen, None, role="mentor", professional=make_professional(f"m{i}", jobcenter))
    assert _count(client, url, **bearer) == few


def test_access_log_query_count_is_constant(citizen, caseworker, client_for):
    client = client_for(caseworker)
    url = f"/citizens/{citizen.uuid}/access-log/"
    few = _count(client, url)
    for _ in range(40):
        record(caseworker.user, citizen, Action.READ, citizen)
    assert _count(client, url) == few


def test_unchanged_session_is_written_at_most_once_a_minute(citizen, caseworker, client_for):
    """The idle timeout is renewed without a session write on every page view."""
    import datetime as dt
    from unittest import mock

    from django.utils import timezone

    client = client_for(caseworker)
    url = f"/citizens/{citizen.uuid}/"
    client.get(url)

    def session_writes(at) -> int:
        with (
            mock.patch("django.utils.timezone.now", return_value=at),
            CaptureQueriesContext(connection) as ctx,
        ):
            assert client.get(url).status_code == 200
        return sum("UPDATE" in q["sql"] and "django_session" in q["sql"] for q in ctx)

    now = timezone.now()
    assert session_writes(now + dt.timedelta(seconds=10)) == 0
    assert session_writes(now + dt.timedelta(seconds=90)) == 1
