"""The one access mechanism, and that every citizen URL in the URL configuration obeys it."""

import uuid

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from enplan.citizens.models import Citizen
from enplan.network.models import NetworkMembership
from enplan.network.services import end_membership
from enplan.plans.models import Goal

from .conftest import make_citizen


def test_professional_sees_only_citizens_in_her_networks(citizen, caseworker, psych, outsider):
    other = make_citizen(outsider, given_name="Bo")
    assert list(Citizen.objects.visible_to(caseworker.user)) == [citizen]
    assert list(Citizen.objects.visible_to(psych.user)) == [citizen]
    assert list(Citizen.objects.visible_to(outsider.user)) == [other]


def test_leaving_the_network_ends_access(citizen, psych):
    membership = NetworkMembership.objects.get(citizen=citizen, professional=psych)
    end_membership(membership, None)
    assert not Citizen.objects.visible_to(psych.user).exists()


def test_citizen_owned_rows_follow_the_citizen(plan, caseworker, outsider):
    from enplan.plans.services import add_goal

    add_goal(plan, caseworker.user, plan.version, {"title": "Job", "status": "open"})
    assert Goal.objects.visible_to(caseworker.user).count() == 1
    assert Goal.objects.visible_to(outsider.user).count() == 0


def test_managers_and_inactive_users_see_no_citizen(citizen, manager, caseworker):
    assert not Citizen.objects.visible_to(manager).exists()
    caseworker.user.is_active = False
    assert not Citizen.objects.visible_to(caseworker.user).exists()


def _citizen_urls():
    """Every URL pattern that takes a citizen id, found in the URL configuration itself, so a
    new page is covered without editing this test."""

    def walk(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                yield prefix + str(p.pattern), p

    for route, _pattern in walk(get_resolver().url_patterns):
        if "<uuid:citizen_uuid>" in route:
            yield route


CITIZEN_ROUTES = sorted(set(_citizen_urls()))


def _url(route, citizen):
    url = "/" + route.replace("<uuid:citizen_uuid>", str(citizen.uuid))
    while "<uuid:" in url:
        start = url.index("<uuid:")
        url = url[:start] + str(uuid.uuid4()) + url[url.index(">", start) + 1 :]
    return url


def test_the_route_list_is_not_empty():
    assert len(CITIZEN_ROUTES) >= 10


@pytest.mark.parametrize("route", CITIZEN_ROUTES)
@pytest.mark.parametrize("method", ["get", "post"])
def test_outsider_gets_404_and_no_personal_data(route, method, citizen, outsider, client_for):
    client = client_for(outsider)
    response = getattr(client, method)(_url(route, citizen))
    assert response.status_code in (404, 405)
    body = response.content.decode()
    assert citizen.family_name not in body and citizen.cpr[:6] not in body


@pytest.mark.parametrize("route", CITIZEN_ROUTES)
def test_manager_is_refused(route, citizen, manager, client_for):
    response = client_for(manager).get(_url(route, citizen))
    assert response.status_code in (403, 405)
    assert citizen.family_name not in response.content.decode()


@pytest.mark.parametrize("route", CITIZEN_ROUTES)
def test_anonymous_is_sent_to_log_in(route, citizen, client):
    response = client.get(_url(route, citizen))
    assert response.status_code in (302, 405)
    if response.status_code == 302:
        assert response["Location"].startswith("/accounts/login/")


def test_guessing_ids_finds_nothing(citizen, caseworker, client_for):
    client = client_for(caseworker)
    assert client.get(f"/citizens/{uuid.uuid4()}/").status_code == 404
    assert client.get(f"/citizens/{citizen.pk}/").status_code == 404  # internal ids are not URLs


def test_manager_has_no_caseload(manager, client_for):
    assert client_for(manager).get("/citizens/").status_code == 403
