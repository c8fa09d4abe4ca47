"""`enplan.network.permissions`: the kinds a user is for a citizen, and `require`'s refusal."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.utils import timezone, translation

from enplan.audit.models import Action, AuditEntry
from enplan.consent.models import Category, Consent
from enplan.consent.services import give
from enplan.core.actions import REGISTRY, Actor, WriteAction, actions_of, performs
from enplan.network.models import NetworkMembership, NetworkRole
from enplan.network.permissions import actor_kinds, can, require
from enplan.network.services import add_member
from enplan.organisations.models import Profession, Sector

from .conftest import make_org, make_professional

COORD_ONLY = WriteAction(
    "test.coord_only", "Do a coordinator thing", frozenset({Actor.COORDINATOR})
)
DISCLOSE = WriteAction(
    "test.disclose", "Record consent", frozenset({Actor.COORDINATOR, Actor.DISCLOSER})
)
BASE = {Actor.PROFESSIONAL}
MEMBER = BASE | {Actor.MEMBER, Actor.SHARED}  # SHARED: nothing named, nothing withheld


def test_kinds_of_each_user(citizen, caseworker, psych, psychiatry, outsider, manager):
    assert actor_kinds(caseworker.user, citizen) == MEMBER | {Actor.COORDINATOR}
    assert actor_kinds(psych.user, citizen) == MEMBER
    assert actor_kinds(outsider.user, citizen) == BASE  # a professional, but not in the network
    assert actor_kinds(manager, citizen) == set()
    assert actor_kinds(AnonymousUser(), citizen) == set()
    assert actor_kinds(psych.user, citizen, origin_id=psychiatry.pk) == MEMBER | {
        Actor.ORIGIN,
        Actor.DISCLOSER,
    }
    assert Actor.DISCLOSER in actor_kinds(psych.user, citizen, origin_sector=Sector.PSYCHIATRY)
    assert Actor.DISCLOSER not in actor_kinds(caseworker.user, citizen, origin_id=psychiatry.pk)
    own = NetworkMembership.objects.get(citizen=citizen, professional=psych)
    assert Actor.SELF in actor_kinds(psych.user, citizen, membership=own)
    assert Actor.SELF not in actor_kinds(caseworker.user, citizen, membership=own)


def test_shared_follows_the_consent_policy(citizen, caseworker, psych, jobcenter):
    """SHARED for another organisation's item is the consent policy's answer."""
    item = {"origin_id": jobcenter.pk, "category": Category.PLAN}
    assert Actor.SHARED in actor_kinds(caseworker.user, citizen, **item)  # its origin
    assert Actor.SHARED not in actor_kinds(psych.user, citizen, **item)
    give(
        citizen,
        caseworker.user,
        Consent(
            source_organisation=jobcenter,
            recipient_organisation=psych.organisation,
            categories=[Category.PLAN],
            purpose="Planlægning",
            valid_from=timezone.localdate(),
            given_how="written",
        ),
    )
    assert Actor.SHARED in actor_kinds(psych.user, citizen, **item)
    other = {"origin_id": jobcenter.pk, "category": Category.HEALTH}
    assert Actor.SHARED not in actor_kinds(psych.user, citizen, **other)


def test_ended_membership_gives_no_kind(citizen, psych):
    NetworkMembership.objects.filter(professional=psych).update(ended_at=citizen.created_at)
    assert actor_kinds(psych.user, citizen, origin_id=psych.organisation_id) == BASE


def test_require_refuses_and_audits(citizen, caseworker, psych, psychiatry):
    require(caseworker.user, COORD_ONLY, citizen)  # allowed: no exception
    assert can(psych.user, DISCLOSE, citizen, origin_id=psychiatry.pk)
    with translation.override("en"), pytest.raises(PermissionDenied) as refused:
        require(psych.user, COORD_ONLY, citizen)
    assert str(refused.value) == (
        "You may not do this: do a coordinator thing. Only the coordinating caseworker may."
    )
    entry = AuditEntry.objects.filter(action=Action.REFUSED).latest("id")
    assert entry.user_id == psych.user.pk and entry.context["reason"] == "test.coord_only"
    assert entry.citizen_uuid == citizen.uuid


def test_refusal_is_translated(citizen, psych):
    with translation.override("da"), pytest.raises(PermissionDenied) as refused:
        require(psych.user, REGISTRY["network.hand_over"], citizen)
    assert "Kun den koordinerende sagsbehandler" in str(refused.value)


def test_system_is_trusted_and_anonymous_is_not(citizen, caseworker):
    require(None, COORD_ONLY, citizen)
    assert not can(AnonymousUser(), COORD_ONLY, citizen)


def test_other_jobcenter_colleague_is_not_coordinator(citizen, jobcenter):
    colleague = make_professional("jonas", jobcenter)
    assert not can(colleague.user, COORD_ONLY, citizen)
    add_member(citizen, None, role=NetworkRole.CASEWORKER, professional=colleague)
    assert Actor.ORIGIN in actor_kinds(colleague.user, citizen, origin_id=jobcenter.pk)
    assert not can(colleague.user, COORD_ONLY, citizen)


def test_a_member_without_named_person_gives_no_one_access(citizen, caseworker):
    clinic = make_org("Klinik", Sector.TRAUMA_CLINIC)
    add_member(citizen, caseworker.user, role=NetworkRole.TREATMENT, organisation=clinic)
    therapist = make_professional("tove", clinic, Profession.PSYCHOLOGIST)
    assert actor_kinds(therapist.user, citizen) == BASE


def test_performs_marks_and_actions_of_reads_through_wrappers():
    from django.contrib.auth.decorators import login_required

    @login_required
    @performs(COORD_ONLY)
    def view(request):
        return None

    assert actions_of(view) == (COORD_ONLY,)
    assert actions_of(lambda r: None) == ()


def test_docs_actions_md_is_current():
    """docs/actions.md is the output of `list_actions`: a new or changed action shows up."""
    from io import StringIO
    from pathlib import Path

    from django.core.management import call_command

    out = StringIO()
    call_command("list_actions", stdout=out)
    docs = Path(__file__).parent.parent / "docs" / "actions.md"
    assert docs.read_text() == out.getvalue(), (
        "run: python -m enplan list_actions > docs/actions.md"
    )


def test_every_declared_action_is_performed_somewhere():
    """A declared action no page or operation performs is a stale declaration."""
    from enplan.network.permissions import declared_actions, performed_where

    where = performed_where()
    assert [code for code in declared_actions() if not where.get(code)] == []
