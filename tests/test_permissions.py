"""`enplan.network.permissions`: the kinds a user is for a citizen, and `require`'s refusal."""

import pytest
from django.core.exceptions import PermissionDenied

from enplan.audit.models import Action, AuditEntry
from enplan.core.actions import Actor, WriteAction
from enplan.network.models import NetworkMembership
from enplan.network.permissions import actor_kinds, can, require
from enplan.organisations.models import Sector

from .conftest import make_professional

COORD_ONLY = WriteAction(
    "test.coord_only", "Do a coordinator thing", frozenset({Actor.COORDINATOR})
)
DISCLOSE = WriteAction(
    "test.disclose", "Record consent", frozenset({Actor.COORDINATOR, Actor.DISCLOSER})
)


def test_kinds_of_each_user(citizen, caseworker, psych, psychiatry, outsider, manager):
    assert actor_kinds(caseworker.user, citizen) == {Actor.COORDINATOR, Actor.MEMBER}
    assert actor_kinds(psych.user, citizen) == {Actor.MEMBER}
    assert actor_kinds(outsider.user, citizen) == set()
    assert actor_kinds(manager, citizen) == set()
    assert actor_kinds(psych.user, citizen, origin_id=psychiatry.pk) == {
        Actor.MEMBER,
        Actor.ORIGIN,
        Actor.DISCLOSER,
    }
    assert Actor.DISCLOSER in actor_kinds(psych.user, citizen, origin_sector=Sector.PSYCHIATRY)
    assert Actor.DISCLOSER not in actor_kinds(caseworker.user, citizen, origin_id=psychiatry.pk)
    own = NetworkMembership.objects.get(citizen=citizen, professional=psych)
    assert Actor.SELF in actor_kinds(psych.user, citizen, membership=own)
    assert Actor.SELF not in actor_kinds(caseworker.user, citizen, membership=own)


def test_ended_membership_gives_no_kind(citizen, psych):
    NetworkMembership.objects.filter(professional=psych).update(ended_at=citizen.created_at)
    assert actor_kinds(psych.user, citizen, origin_id=psych.organisation_id) == set()


def test_require_refuses_and_audits(citizen, caseworker, psych, psychiatry):
    require(caseworker.user, COORD_ONLY, citizen)  # allowed: no exception
    assert can(psych.user, DISCLOSE, citizen, origin_id=psychiatry.pk)
    with pytest.raises(PermissionDenied) as refused:
        require(psych.user, COORD_ONLY, citizen)
    assert "coordinating caseworker" in str(refused.value)
    entry = AuditEntry.objects.filter(action=Action.REFUSED).latest("id")
    assert entry.user_id == psych.user.pk and entry.context["reason"] == "test.coord_only"
    assert entry.citizen_uuid == citizen.uuid


def test_system_is_trusted_and_anonymous_is_not(citizen, caseworker):
    from django.contrib.auth.models import AnonymousUser

    require(None, COORD_ONLY, citizen)
    assert not can(AnonymousUser(), COORD_ONLY, citizen)


def test_other_jobcenter_colleague_is_not_coordinator(citizen, jobcenter):
    colleague = make_professional("jonas", jobcenter)
    assert not can(colleague.user, COORD_ONLY, citizen)
