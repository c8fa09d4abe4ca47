"""Demo meetings: a held planning meeting with approved minutes (decisions, one already in
the plan, the citizen's check) and an upcoming network meeting, for a few demo citizens."""

import datetime

from django.utils import timezone

from enplan.plans.services import get_or_create_plan

from . import services
from .models import Kind, ParticipantRole
from .services import ParticipantSpec

DECISIONS = [
    ("Praktik", "Borgeren starter i virksomhedspraktik 10 timer om ugen", "Sagsbehandler finder"),
    ("Behandling", "Samtaler i lokalpsykiatrien hver 14. dag fortsætter", "Kontaktperson LPC"),
    ("Hverdag", "Mentor hjælper med at lægge en ugeplan", "Mentor"),
]


def _at(days: int, hour: int) -> datetime.datetime:
    day = timezone.localdate() + datetime.timedelta(days=days)
    return datetime.datetime.combine(
        day, datetime.time(hour), tzinfo=timezone.get_current_timezone()
    )


def seed(citizens, pros, count: int = 6) -> int:
    """Meetings for the first `count` citizens that Mette coordinates; returns how many."""
    made = 0
    mette = pros["mette"]
    for citizen in citizens:
        if made >= count:
            break
        if not citizen.memberships.filter(professional=mette, role="coordinator").exists():
            continue
        others = [
            ParticipantSpec(membership=m, role=ParticipantRole.PROFESSIONAL)
            for m in citizen.memberships.active().exclude(professional=mette)[:3]
        ]
        others.append(ParticipantSpec(name="Pårørende (søster)", role=ParticipantRole.RELATIVE))
        held = services.plan_meeting(
            mette.user,
            citizen,
            {
                "kind": Kind.PLANNING,
                "purpose": "Lægge en fælles plan på tværs af behandling og beskæftigelse",
                "working_question": "Hvad skal der til, for at du kan komme tættere på arbejde?",
                "starts_at": _at(-14 - made, 10),
                "ends_at": _at(-14 - made, 11) + datetime.timedelta(minutes=30),
                "place_kind": "clinic",
                "place_detail": "Lokalpsykiatri Gladsaxe, mødelokale 2",
            },
            others,
            override_reason="Demo",
        ).meeting
        minutes = services.start_minutes(held, mette.user)
        services.save_minutes(
            minutes,
            mette.user,
            {
                "summary": "Borgeren fortalte om sine ønsker; alle parter bidrog.",
                "check_overview": 2,
                "check_meeting": 1,
                "check_agreed": 2,
                "check_optimism": 2,
                "next_meeting_at": _at(30 + made, 10),
                "next_meeting_place": "Jobcentret",
                "next_meeting_with": "Borger, sagsbehandler, kontaktperson",
            },
            attended=set(held.participants.values_list("pk", flat=True)),
        )
        decisions = [
            services.add_decision(
                minutes,
                mette.user,
                {
                    "topic": topic,
                    "agreed": agreed,
                    "who": who,
                    "due_on": timezone.localdate() + datetime.timedelta(days=60),
                },
            )
            for topic, agreed, who in DECISIONS
        ]
        plan = get_or_create_plan(citizen, mette.user)
        services.decision_to_plan(decisions[0], mette.user, plan.version, legal_basis="lab")
        services.approve_minutes(minutes, mette.user)
        services.plan_meeting(
            mette.user,
            citizen,
            {
                "kind": Kind.NETWORK,
                "purpose": "Følge op på planen og praktikken",
                "working_question": "Hvordan går praktikken, og hvad er næste skridt?",
                "starts_at": _at(10 + made, 13),
                "ends_at": _at(10 + made, 14),
                "place_kind": "jobcenter",
            },
            others,
            override_reason="Demo",
        )
        made += 1
    return made
