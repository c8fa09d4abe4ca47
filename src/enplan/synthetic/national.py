"""A national-scale, fictitious dataset to measure enplan against (`manage.py generate_national`).

The country: 98 municipalities (weighted by population), each with a jobcenter, social
services and a substance-abuse centre; regional psychiatry (one centre per two
municipalities), trauma clinics and GP clinics. Staff spread over them by sector. Citizens
are aged as Statistics Denmark's aktivitetsparate (30+), each with a network of 3–8 people
around a coordinating caseworker at their jobcenter, a course, contacts, consents and a
plan (on average 4 sub-goals and 8 activities) whose history is kept as the app keeps it:
full snapshots per version. On top: an audit log (sealed, as `audit_seal` leaves it) and
CareCommunication threads with message bundles built by enplan's own builder.

Deterministic: the same seed and the same `today` give the same rows, byte for byte. CPR
numbers are fictitious: like the demo's they fail the modulus-11 check.

Speed: rows are produced as COPY text (see `bulkload`); anything repeated (dates, JSON of
unchanged plan items, message bundles) is formatted once and reused.
"""

from __future__ import annotations

import bisect
import datetime
import hashlib
import itertools
import json
import math
import random
import re
import time
from array import array
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils import translation

from enplan.core.cpr import century, passes_modulus11
from enplan.synthetic import national_data as data
from enplan.synthetic.bulkload import NULL, Sink, Table, copy_json

Out = Callable[[str], None]


@dataclass(frozen=True)
class Scale:
    citizens: int = 500_000
    professionals: int = 20_000
    audit: int = 5_000_000
    messages: int = 2_000_000
    municipalities: int = 98
    versions: float = 2.5  # plan versions per plan, on average (at least 1)
    seal: bool = True  # seal the audit log as `audit_seal` would have

    @classmethod
    def tiny(cls) -> Scale:
        """For tests: every kind of row, a few of each."""
        return cls(citizens=120, professionals=90, audit=1500, messages=300, municipalities=3)


# --- formatting helpers --------------------------------------------------------------------

_UUID_CLEAR = ~((0xF << 76) | (0x3 << 62))
_UUID_V4 = (0x4 << 76) | (0x2 << 62)


def _uuid(bits: int) -> str:
    """A version-4 UUID (dashed) from 128 random bits of the section's own generator."""
    h = ((bits & _UUID_CLEAR) | _UUID_V4).to_bytes(16, "big").hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


class FastRandom(random.Random):
    """random.Random with cheaper choice/randint/randrange (one random() each): the
    generator calls them tens of millions of times. Still deterministic from the seed."""

    def choice(self, seq):
        return seq[int(self.random() * len(seq))]

    def randint(self, a: int, b: int) -> int:
        return a + int(self.random() * (b - a + 1))

    def randrange(self, start: int, stop: int | None = None) -> int:
        if stop is None:
            return int(self.random() * start)
        return start + int(self.random() * (stop - start))


def _b(flag: bool) -> str:
    return "t" if flag else "f"


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class Clock:
    """Dates and times as text, relative to `today` (noon UTC is 'now')."""

    BACK = 3 * 365
    AHEAD = 400

    def __init__(self, today: datetime.date):
        self.today = today
        first = today - datetime.timedelta(days=self.BACK)
        self._days = [
            (first + datetime.timedelta(days=i)).isoformat() for i in range(self.BACK + self.AHEAD)
        ]
        self._minutes = [f"{m // 60:02d}:{m % 60:02d}:00+00:00" for m in range(1440)]

    def date(self, offset: int) -> str:
        return self._days[offset + self.BACK]

    def at(self, offset: int, minute: int = 720) -> str:
        """A timestamp `offset` days from today at `minute` past midnight (UTC), COPY style."""
        return self._days[offset + self.BACK] + " " + self._minutes[minute]

    def iso(self, offset: int, minute: int = 720) -> str:
        """The same as Python's isoformat() of that aware datetime (what snapshots store)."""
        return self._days[offset + self.BACK] + "T" + self._minutes[minute]


class Progress:
    def __init__(self, out: Out):
        self.out = out
        self.started = time.monotonic()
        self.last = 0.0
        self.name = ""
        self.total = 0

    def section(self, name: str, total: int) -> None:
        self.name, self.total = name, total
        self.update(0, force=True)

    def update(self, done: int, force: bool = False) -> None:
        now = time.monotonic()
        if force or now - self.last >= 5:
            self.last = now
            share = f" ({100 * done / self.total:3.0f} %)" if self.total else ""
            self.out(f"[{self._clock(now)}] {self.name:<14} {done:>11,} / {self.total:,}{share}")

    def note(self, text: str) -> None:
        self.out(f"[{self._clock(time.monotonic())}] {text}")

    def _clock(self, now: float) -> str:
        s = int(now - self.started)
        return f"{s // 60:02d}:{s % 60:02d}"


class Buffer:
    """Rows for one table, handed to the sink in chunks."""

    __slots__ = ("table", "sink", "limit", "rows")

    def __init__(self, table: Table, sink: Sink, limit: int = 5000):
        self.table, self.sink, self.limit, self.rows = table, sink, limit, []

    def add(self, row: tuple[str, ...]) -> None:
        self.rows.append(row)
        if len(self.rows) >= self.limit:
            self.flush()

    def flush(self) -> None:
        if self.rows:
            self.sink.write(self.table, self.rows)
            self.rows = []


def _apportion(total: int, weights: list[float], minimum: int = 1) -> list[int]:
    """Split `total` by `weights` (largest remainder), giving each at least `minimum`."""
    n = len(weights)
    if n == 0:
        return []
    rest = max(total - minimum * n, 0)
    s = sum(weights) or 1
    exact = [rest * w / s for w in weights]
    counts = [minimum + math.floor(x) for x in exact]
    left = minimum * n + rest - sum(counts)
    for i in sorted(range(n), key=lambda i: exact[i] - math.floor(exact[i]), reverse=True)[:left]:
        counts[i] += 1
    return counts


# --- tables --------------------------------------------------------------------------------


def tables() -> dict[str, Table]:
    """The tables the generator fills, with the columns each row carries (in this order)."""
    from enplan.accounts.models import User
    from enplan.audit.models import AuditEntry, AuditSeal
    from enplan.citizens.models import Citizen, Contact
    from enplan.consent.models import Consent
    from enplan.courses.models import Course
    from enplan.meetings.models import AgendaItem, Decision, Meeting, Minutes, Participant
    from enplan.messaging.models import Message, Receipt, Segment, Thread
    from enplan.network.models import Handover, NetworkMembership
    from enplan.organisations.models import Organisation, Professional
    from enplan.plans.models import Activity, Goal, Plan, PlanVersion, Track

    common = "id uuid created_at updated_at"
    owned = common + " municipality_code citizen_id"
    return {
        "org": Table(
            Organisation,
            common + " name sector sor_code ean municipality_code address phone phone_hours "
            "email uses_enplan message_endpoint require_two_factor",
        ),
        "user": Table(
            User,
            "id password last_login is_superuser username first_name last_name email is_staff "
            "is_active date_joined role oidc_subject",
        ),
        "pro": Table(
            Professional,
            common + " user_id organisation_id name profession phone phone_hours email",
        ),
        "citizen": Table(
            Citizen,
            common + " cpr birth_date given_name family_name municipality_code phone "
            "preferred_language needs_interpreter interpreter_language interpreter_dialect "
            "communication_preferences",
        ),
        "member": Table(
            NetworkMembership,
            owned + " professional_id organisation_id role note started_at ended_at added_by_id",
        ),
        "handover": Table(
            Handover,
            owned + " from_professional_id to_professional_id note handed_over_at "
            "handed_over_by_id",
        ),
        "course": Table(
            Course,
            owned + " target_group starts_on ends_on state employment_outcome "
            "substance_outcome outcome_note origin_id",
        ),
        "contact": Table(Contact, owned + " at kind summary registered_by_id origin_id"),
        "consent": Table(
            Consent,
            owned + " recipient_organisation_id recipient_sector categories purpose valid_from "
            "valid_to given_how recorded_by_id withdrawn_at withdrawn_by_id withdrawal_note "
            "source_organisation_id source_sector source_any needs_review document_type "
            "document_name",
        ),
        "plan": Table(
            Plan,
            owned + " version final_goal area_future area_everyday area_health area_psychiatry "
            "area_jobcenter mentor_role support_contact_role followup_at followup_place "
            "followup_with updated_by_id origin_id field_origins",
        ),
        "track": Table(
            Track,
            owned + " plan_id kind status summary ready_for_next_step ready_note "
            "ready_signalled_at ready_signalled_by_id origin_id",
        ),
        "goal": Table(
            Goal,
            owned + " plan_id title area target_date status evaluation position origin_id",
        ),
        "activity": Table(
            Activity,
            owned + " plan_id goal_id track title starts_on ends_on responsible_id "
            "organisation_id purpose legal_basis legal_reference status citizen_view "
            "evaluation origin_id",
        ),
        "version": Table(
            PlanVersion,
            owned + " plan_id number change subject subject_category subject_origin_id "
            "snapshot author_id",
        ),
        "meeting": Table(
            Meeting,
            owned + " kind purpose working_question starts_at ends_at place_kind convener_id "
            "chair_id minute_taker_id status version sequence origin_id",
        ),
        "participant": Table(
            Participant,
            owned + " meeting_id membership_id role name organisation_id attended invitation",
        ),
        "agenda": Table(
            AgendaItem, owned + " meeting_id position title area added_by_id origin_id"
        ),
        "minutes": Table(
            Minutes,
            owned + " meeting_id number state summary check_overview check_meeting check_agreed "
            "check_optimism approved_at approved_by_id author_id origin_id",
        ),
        "decision": Table(
            Decision,
            owned + " minutes_id position topic agreed who responsible_id due_on origin_id",
        ),
        "audit": Table(
            AuditEntry,
            "id at user_id actor actor_name organisation role citizen_uuid municipality_code "
            "object_type object_id action context seal",
        ),
        "seal": Table(AuditSeal, "id first_id last_id count last_hash sealed_at"),
        "thread": Table(
            Thread,
            common + " organisation_id citizen_id municipality_code communication_id "
            "partner_id category topic patient patient_deceased forwarded_from_id "
            "last_message_at last_incoming_at notification_kind history",
        ),
        "message": Table(
            Message,
            common + " thread_id organisation_id direction activity header_id bundle_id "
            "content_hash previous_header_id sender_sor sender_ean receiver_sor receiver_ean "
            "sent_at author_id state ack_code ack_detail bundle",
        ),
        "segment": Table(
            Segment,
            common + " thread_id message_id identifier kind timestamp origin_id from_partner "
            "assigner_sor author_name author_role author_phone text title content_type size "
            "sha256 url created",
        ),
        "receipt": Table(
            Receipt,
            "id received_at channel source header_id bundle_id content_hash organisation_id "
            "sender_sor outcome reason message_id ack_header_id ack_code ack",
        ),
    }


def cleared_models() -> list:
    """Every model of enplan's own apps: emptied before loading, generated or not (API tokens,
    outbox, seals … would otherwise point at rows that are gone)."""
    from django.apps import apps

    return [m for m in apps.get_models() if m.__module__.startswith("enplan.")]


# --- the country ---------------------------------------------------------------------------

# Staff per sector (share of all professionals) and the mix of professions within each.
STAFF_SHARES = {"jc": 0.44, "psych": 0.18, "gp": 0.15, "soc": 0.13, "rus": 0.07, "trauma": 0.03}
PROFESSION_CYCLES = {
    "jc": ["caseworker"] * 5
    + ["mentor", "caseworker", "virksomhedskonsulent", "caseworker", "sundhedsfaglig_raadgiver"]
    + ["caseworker"] * 3
    + ["mentor", "ips_konsulent", "caseworker", "virksomhedskonsulent", "uu_vejleder"]
    + ["caseworker"] * 2,
    "psych": [
        "nurse",
        "psychologist",
        "nurse",
        "psychiatrist",
        "social_worker",
        "nurse",
        "psychologist",
        "social_worker",
    ],
    "gp": ["gp"],
    "soc": ["stottekontaktperson", "social_worker", "stottekontaktperson"],
    "rus": ["casemanager", "casemanager", "nurse"],
    "trauma": ["psychologist", "social_worker"],
}
SECTORS = {
    "jc": "jobcenter",
    "psych": "lokalpsykiatri",
    "gp": "almen_praksis",
    "soc": "socialforvaltning",
    "rus": "rusmiddelcenter",
    "trauma": "traumeklinik",
}
USES_ENPLAN = {"jc", "psych", "soc", "rus"}  # GP and trauma clinics get CareCommunication

# Network roles beyond the coordinator and the GP: (role, staff group, weight).
EXTRA_ROLES = [
    ("psychiatry_contact", "psych_contact", 0.55),
    ("mentor", "jc_mentor", 0.35),
    ("stottekontaktperson", "soc_support", 0.3),
    ("virksomhedskonsulent", "jc_consultant", 0.25),
    ("casemanager", "rus_case", 0.22),
    ("treatment", "psych_doctor", 0.2),
    ("health_advisor", "jc_health", 0.15),
    ("caseworker", "jc_caseworker", 0.12),
    ("contact_person", "soc_social", 0.1),
    ("treatment", "trauma", 0.08),
]
STAFF_GROUPS = {  # (org kind, profession) -> staff group
    ("jc", "caseworker"): "jc_caseworker",
    ("jc", "mentor"): "jc_mentor",
    ("jc", "virksomhedskonsulent"): "jc_consultant",
    ("jc", "ips_konsulent"): "jc_consultant",
    ("jc", "sundhedsfaglig_raadgiver"): "jc_health",
    ("psych", "nurse"): "psych_contact",
    ("psych", "social_worker"): "psych_contact",
    ("psych", "psychologist"): "psych_contact",
    ("psych", "psychiatrist"): "psych_doctor",
    ("soc", "stottekontaktperson"): "soc_support",
    ("soc", "social_worker"): "soc_social",
    ("rus", "casemanager"): "rus_case",
    ("trauma", "psychologist"): "trauma",
    ("trauma", "social_worker"): "trauma",
    ("gp", "gp"): "gp",
}
ROLES = [
    "coordinator",
    "gp",
    "psychiatry_contact",
    "mentor",
    "stottekontaktperson",
    "virksomhedskonsulent",
    "casemanager",
    "treatment",
    "health_advisor",
    "caseworker",
    "contact_person",
]
ROLE_INDEX = {r: i for i, r in enumerate(ROLES)}
TARGET_GROUPS = [
    ("aktivitetsparat", 0.6),
    ("sygedagpenge", 0.15),
    ("ressourceforloeb", 0.15),
    ("jobafklaring", 0.1),
]
OUTCOMES = ["job_part", "wage_subsidy", "education", "flexjob_track", "resource_course", ""]
CONSENT_CATEGORIES = {
    "psych": ["plan", "health", "employment", "messages"],
    "gp": ["plan", "health", "messages"],
    "rus": ["plan", "substance"],
}
MESSAGE_CATEGORIES = ["carecoordination", "psychiatry-social-disability", "other", "medicine"]
THREAD_LENGTHS = [(1, 0.35), (2, 0.35), (3, 0.15), (4, 0.08), (5, 0.04), (6, 0.03)]


@dataclass
class Org:
    id: int
    kind: str
    name: str
    municipality: int  # index into the chosen municipalities
    sor: str
    ean: str


@dataclass
class World:
    """What later sections need to know about earlier ones (kept compact: arrays and lists)."""

    municipalities: list[tuple[str, str, str, int]]
    orgs: list[Org] = field(default_factory=list)
    jc: list[int] = field(default_factory=list)  # municipality -> org id
    soc: list[int] = field(default_factory=list)
    rus: list[int] = field(default_factory=list)
    psych: list[int] = field(default_factory=list)  # municipality -> serving centre
    gps: list[list[int]] = field(default_factory=list)  # municipality -> clinic ids
    trauma: list[list[int]] = field(default_factory=list)  # municipality -> clinic ids
    staff: dict[tuple[int, str], list[int]] = field(default_factory=dict)  # (org, group) -> pros
    # professionals (index = id - 1)
    pro_org: list[int] = field(default_factory=list)
    pro_user: list[int] = field(default_factory=list)  # 0: no log-in
    pro_name: list[str] = field(default_factory=list)
    pro_label: list[str] = field(default_factory=list)  # str(membership) prefix
    pro_who: list[tuple] = field(default_factory=list)  # audit columns for users
    pro_phone: list[str] = field(default_factory=list)
    pro_role_text: list[str] = field(default_factory=list)
    # citizens (index = id - 1)
    cit_muni: array = field(default_factory=lambda: array("H"))
    cit_uuid: list[str] = field(default_factory=list)
    cit_cpr: list[str] = field(default_factory=list)
    cit_name: list[tuple[str, str]] = field(default_factory=list)
    cit_start: array = field(default_factory=lambda: array("i"))  # day offset of the course
    # memberships (index = id - 1); each citizen's block starts with the coordinator
    mem_first: array = field(default_factory=lambda: array("q"))  # citizen -> first index
    mem_pro: array = field(default_factory=lambda: array("i"))
    mem_org: array = field(default_factory=lambda: array("i"))
    mem_role: array = field(default_factory=lambda: array("b"))
    mem_active: array = field(default_factory=lambda: array("b"))
    plan_uuid: list[str] = field(default_factory=list)

    def org(self, org_id: int) -> Org:
        return self.orgs[org_id - 1]


class Generator:
    def __init__(self, scale: Scale, *, seed: int, today: datetime.date, sink: Sink, out: Out):
        self.scale = scale
        self.seed = seed
        self.clock = Clock(today)
        self.sink = sink
        self.progress = Progress(out)
        self.t = tables()
        chosen = sorted(data.MUNICIPALITIES, key=lambda m: -m[3])[: scale.municipalities]
        self.w = World(municipalities=sorted(chosen))
        with translation.override("da"):  # what the app shows (and snapshots) by default
            from enplan.network.models import NetworkRole
            from enplan.organisations.models import Profession
            from enplan.plans.models import TrackKind

            self.role_label = [str(NetworkRole(r).label) for r in ROLES]
            self.profession_label = {p.value: str(p.label) for p in Profession}
            self.track_label = {k.value: str(k.label) for k in TrackKind}
        labels = [*self.role_label, *self.profession_label.values(), *self.track_label.values()]
        assert not any(c in t for t in labels for c in '\\"\t\n'), "labels need escaping"

    def rng(self, section: str) -> FastRandom:
        return FastRandom(f"enplan-national/{self.seed}/{section}")

    def buffer(self, key: str, limit: int = 5000) -> Buffer:
        return Buffer(self.t[key], self.sink, limit)

    def run(self) -> dict[str, int]:
        self.sink.start(list(self.t.values()))
        try:
            self.organisations()
            self.professionals()
            self.citizens()
            self.networks()
            self.courses_contacts_consents()
            self.plans()
            self.meetings()
            self.audit()
            self.messages()
            self.progress.note("rows written; building indexes and constraints")
            self.sink.finish()
        except BaseException:
            self.sink.abort()
            raise
        self.progress.note("done")
        return {t.name: t.rows for t in self.t.values()}

    # --- organisations and staff ---------------------------------------------------------------

    def organisations(self) -> None:
        w, rng, clock = self.w, self.rng("organisations"), self.clock
        munis = w.municipalities
        staff_total = self.scale.professionals
        self.progress.section("organisations", 0)

        def add(kind: str, name: str, m: int) -> int:
            org_id = len(w.orgs) + 1
            w.orgs.append(Org(org_id, kind, name, m, f"91{org_id:013d}", f"579999{org_id:07d}"))
            return org_id

        for m, (_code, name, _region, _pop) in enumerate(munis):
            w.jc.append(add("jc", f"Jobcenter {name}", m))
            w.soc.append(add("soc", f"Socialafdelingen {name}", m))
            w.rus.append(add("rus", f"Rusmiddelcenter {name}", m))
        w.psych = [0] * len(munis)
        w.trauma = [[] for _ in munis]
        regions = sorted({m[2] for m in munis})
        for region in regions:
            members = sorted(
                (i for i, m in enumerate(munis) if m[2] == region), key=lambda i: -munis[i][3]
            )
            centres = [
                add("psych", f"Lokalpsykiatri {munis[i][1]}", i)
                for i in members[: max(1, math.ceil(len(members) / 2))]
            ]
            for k, i in enumerate(members):
                w.psych[i] = centres[k % len(centres)]
            clinics = [
                add("trauma", f"Traumeklinik {region} {side}", members[0])
                for side in ("Øst", "Vest")[: 1 if len(members) < 3 else 2]
            ]
            for i in members:
                w.trauma[i] = clinics
        gp_staff = round(staff_total * STAFF_SHARES["gp"])
        clinics_per = _apportion(max(len(munis), round(gp_staff / 1.8)), [m[3] for m in munis])
        w.gps = [[] for _ in munis]
        for m, count in enumerate(clinics_per):
            for k in range(count):
                street = data.STREETS[(k + m) % len(data.STREETS)]
                w.gps[m].append(add("gp", f"Lægerne {street} {k + 1}, {munis[m][1]}", m))
        buf = self.buffer("org")
        for o in w.orgs:
            created = clock.at(-rng.randint(400, Clock.BACK - 1), rng.randrange(480, 960))
            muni = munis[o.municipality]
            buf.add(
                (
                    str(o.id),
                    _uuid(rng.getrandbits(128)),
                    created,
                    created,
                    o.name,
                    SECTORS[o.kind],
                    o.sor,
                    o.ean,
                    muni[0],
                    f"{rng.choice(data.STREETS)} {rng.randint(1, 120)}, {muni[1]}",
                    f"12 {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)}",
                    rng.choice(data.PHONE_HOURS),
                    "",
                    _b(o.kind in USES_ENPLAN),
                    "",
                    "f",
                )
            )
        buf.flush()
        self.progress.update(len(w.orgs), force=True)

    def professionals(self) -> None:
        w, rng, clock = self.w, self.rng("professionals"), self.clock
        total = self.scale.professionals
        self.progress.section("professionals", total)
        by_kind: dict[str, list[Org]] = {}
        for o in w.orgs:
            by_kind.setdefault(o.kind, []).append(o)
        pops = [m[3] for m in w.municipalities]
        served: dict[int, int] = {}
        for m, centre in enumerate(w.psych):
            served[centre] = served.get(centre, 0) + pops[m]
        weights = {
            "jc": lambda o: pops[o.municipality],
            "soc": lambda o: pops[o.municipality],
            "rus": lambda o: pops[o.municipality],
            "psych": lambda o: served.get(o.id, 1),
            "gp": lambda o: 1,
            "trauma": lambda o: 1,
        }
        plan: list[tuple[Org, str]] = []
        for kind, share in STAFF_SHARES.items():
            orgs = by_kind.get(kind, [])
            counts = _apportion(round(total * share), [weights[kind](o) for o in orgs])
            cycle = PROFESSION_CYCLES[kind]
            for o, n in zip(orgs, counts, strict=True):
                plan += [(o, cycle[k % len(cycle)]) for k in range(n)]
        users, pros = self.buffer("user"), self.buffer("pro")
        for pro_id, (o, profession) in enumerate(plan, 1):
            given, family = rng.choice(data.GIVEN), rng.choice(data.FAMILY)
            name = f"{given} {family}"
            created = clock.at(-rng.randint(30, Clock.BACK - 1), rng.randrange(480, 960))
            user_id = 0
            if o.kind in USES_ENPLAN:
                user_id = len(w.pro_who) + 1
                username = f"{given.lower()}.{family.lower()}.{pro_id}"
                users.add(
                    (
                        str(user_id),
                        f"!{rng.getrandbits(160):040x}",  # no usable password
                        NULL,
                        "f",
                        username,
                        given,
                        family,
                        "",
                        "f",
                        "t",
                        created,
                        "professional",
                        NULL,
                    )
                )
                role = "professional/" + self.profession_label[profession]
                w.pro_who.append((str(user_id), username, name, o.name, role))
            phone = f"12 {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)}"
            pros.add(
                (
                    str(pro_id),
                    _uuid(rng.getrandbits(128)),
                    created,
                    created,
                    str(user_id) if user_id else NULL,
                    str(o.id),
                    name,
                    profession,
                    phone,
                    rng.choice(data.PHONE_HOURS),
                    "",
                )
            )
            w.pro_org.append(o.id)
            w.pro_user.append(user_id)
            w.pro_name.append(name)
            w.pro_phone.append(phone)
            w.pro_role_text.append(self.profession_label[profession])
            group = STAFF_GROUPS.get((o.kind, profession))
            if group:
                w.staff.setdefault((o.id, group), []).append(pro_id)
        users.flush()
        pros.flush()
        self.progress.update(len(plan), force=True)

    # --- citizens and their networks -----------------------------------------------------------

    def citizens(self) -> None:
        w, rng, clock, total = self.w, self.rng("citizens"), self.clock, self.scale.citizens
        self.progress.section("citizens", total)
        today = clock.today.toordinal()
        ages = data.age_weights()
        age_ranges = [a for a, _ in ages]
        age_cum = list(itertools.accumulate(share for _, share in ages))
        muni_cum = list(itertools.accumulate(m[3] for m in w.municipalities))
        seen: set[str] = set()
        buf = self.buffer("citizen")
        for i in range(total):
            m = bisect.bisect_right(muni_cum, rng.random() * muni_cum[-1])
            low, high = age_ranges[
                min(bisect.bisect_right(age_cum, rng.random() * age_cum[-1]), len(age_cum) - 1)
            ]
            born = datetime.date.fromordinal(today - int((rng.uniform(low, high + 1)) * 365.25))
            yy = born.year % 100
            sevenths = [d for d in range(10) if century(d, yy) == born.year - yy]
            ddmmyy = f"{born.day:02d}{born.month:02d}{yy:02d}"
            while True:
                cpr = f"{ddmmyy}{rng.choice(sevenths)}{rng.randrange(1000):03d}"
                if cpr not in seen and not passes_modulus11(cpr):
                    break
            seen.add(cpr)
            given, family = rng.choice(data.GIVEN), rng.choice(data.FAMILY)
            interpreter = rng.random() < 0.08
            language, dialect = rng.choice(data.LANGUAGES) if interpreter else ("da", "")
            start = -rng.randint(20, 900)
            created = clock.at(
                max(start - rng.randint(0, 60), -Clock.BACK), rng.randrange(480, 960)
            )
            uid = _uuid(rng.getrandbits(128))
            buf.add(
                (
                    str(i + 1),
                    uid,
                    created,
                    created,
                    cpr,
                    born.isoformat(),
                    given,
                    family,
                    w.municipalities[m][0],
                    f"12 {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)}",
                    language,
                    _b(interpreter),
                    language if interpreter else "",
                    dialect,
                    rng.choice(data.PREFERENCES),
                )
            )
            w.cit_muni.append(m)
            w.cit_uuid.append(uid)
            w.cit_cpr.append(cpr)
            w.cit_name.append((given, family))
            w.cit_start.append(start)
            if i % 20000 == 0:
                self.progress.update(i)
        buf.flush()
        self.progress.update(total, force=True)

    def _pick(self, rng: FastRandom, org_id: int, group: str, avoid: int = 0) -> int:
        staff = self.w.staff.get((org_id, group))
        if not staff:
            return 0
        pro = staff[rng.randrange(len(staff))]
        if pro == avoid and len(staff) > 1:
            pro = staff[(staff.index(pro) + 1) % len(staff)]
        return 0 if pro == avoid else pro

    def networks(self) -> None:
        w, rng, clock, total = self.w, self.rng("networks"), self.clock, self.scale.citizens
        self.progress.section("networks", total)
        members, handovers = self.buffer("member"), self.buffer("handover")
        mem_id = handover_id = 0
        role_orgs = {  # staff group -> municipality -> org ids to choose from
            "psych_contact": lambda m: [w.psych[m]],
            "psych_doctor": lambda m: [w.psych[m]],
            "jc_mentor": lambda m: [w.jc[m]],
            "jc_consultant": lambda m: [w.jc[m]],
            "jc_health": lambda m: [w.jc[m]],
            "jc_caseworker": lambda m: [w.jc[m]],
            "soc_support": lambda m: [w.soc[m]],
            "soc_social": lambda m: [w.soc[m]],
            "rus_case": lambda m: [w.rus[m]],
            "trauma": lambda m: w.trauma[m],
        }
        for c in range(total):
            m = w.cit_muni[c]
            code = w.municipalities[m][0]
            cid = str(c + 1)
            start = w.cit_start[c]
            jc = w.jc[m]
            coordinator = self._pick(rng, jc, "jc_caseworker")
            if not coordinator:
                raise ValueError("Too few professionals: a jobcenter has no caseworker.")
            coord_user = str(w.pro_user[coordinator - 1])
            w.mem_first.append(mem_id)
            chosen: list[tuple[str, int, int]] = [("coordinator", coordinator, jc)]
            clinic = w.gps[m][rng.randrange(len(w.gps[m]))]
            gp = self._pick(rng, clinic, "gp")
            if gp:
                chosen.append(("gp", gp, clinic))
            size = rng.randint(3, 8)
            keyed = sorted(
                (
                    (rng.random() ** (1 / weight), role, group)
                    for role, group, weight in EXTRA_ROLES
                ),
                reverse=True,
            )
            for _key, role, group in keyed:
                if len(chosen) >= size:
                    break
                orgs = role_orgs[group](m)
                org = orgs[rng.randrange(len(orgs))]
                pro = self._pick(rng, org, group, avoid=coordinator)
                if pro and all(r != role or p != pro for r, p, _o in chosen):
                    chosen.append((role, pro, org))
            # One in seven has had another coordinating caseworker before (a handover).
            former = 0
            if rng.random() < 0.15:
                former = self._pick(rng, jc, "jc_caseworker", avoid=coordinator)
            handover_day = start + rng.randint(1, max(1, -start - 1)) if former else 0
            if former:
                mem_id += 1
                began = clock.at(start, rng.randrange(480, 960))
                ended = clock.at(handover_day, rng.randrange(480, 960))
                members.add(
                    (
                        str(mem_id),
                        _uuid(rng.getrandbits(128)),
                        began,
                        ended,
                        code,
                        cid,
                        str(former),
                        str(jc),
                        "coordinator",
                        "",
                        began,
                        ended,
                        str(w.pro_user[former - 1]),
                    )
                )
                w.mem_pro.append(former)
                w.mem_org.append(jc)
                w.mem_role.append(0)
                w.mem_active.append(0)
                handover_id += 1
                handovers.add(
                    (
                        str(handover_id),
                        _uuid(rng.getrandbits(128)),
                        ended,
                        ended,
                        code,
                        cid,
                        str(former),
                        str(coordinator),
                        rng.choice(data.HANDOVER_NOTES),
                        ended,
                        str(w.pro_user[former - 1]),
                    )
                )
            for k, (role, pro, org) in enumerate(chosen):
                mem_id += 1
                day = handover_day if (former and k == 0) else start + rng.randint(0, 20)
                began = clock.at(min(day, 0), rng.randrange(480, 960))
                members.add(
                    (
                        str(mem_id),
                        _uuid(rng.getrandbits(128)),
                        began,
                        began,
                        code,
                        cid,
                        str(pro),
                        str(org),
                        role,
                        "",
                        began,
                        NULL,
                        coord_user,
                    )
                )
                w.mem_pro.append(pro)
                w.mem_org.append(org)
                w.mem_role.append(ROLE_INDEX[role])
                w.mem_active.append(1)
            if c % 20000 == 0:
                self.progress.update(c)
        w.mem_first.append(mem_id)
        members.flush()
        handovers.flush()
        self.progress.update(total, force=True)

    def _members(self, c: int) -> list[int]:
        """Indexes (id - 1) of citizen c's active memberships, coordinator first."""
        w = self.w
        return [i for i in range(w.mem_first[c], w.mem_first[c + 1]) if w.mem_active[i]]

    def _network_orgs(self, c: int) -> dict[str, tuple[int, int]]:
        """Org kind -> (membership index, org id) for the first member of each kind."""
        w = self.w
        found: dict[str, tuple[int, int]] = {}
        for i in self._members(c):
            kind = w.org(w.mem_org[i]).kind
            if kind not in found:
                found[kind] = (i, w.mem_org[i])
        return found

    # --- courses, contacts, consents ------------------------------------------------------------

    def courses_contacts_consents(self) -> None:
        w, rng, clock, total = self.w, self.rng("courses"), self.clock, self.scale.citizens
        self.progress.section("courses etc.", total)
        courses, contacts = self.buffer("course"), self.buffer("contact")
        consents = self.buffer("consent")
        course_id = contact_id = consent_id = 0
        groups = [g for g, _ in TARGET_GROUPS]
        group_weights = [p for _, p in TARGET_GROUPS]
        for c in range(total):
            m = w.cit_muni[c]
            code, cid, start = w.municipalities[m][0], str(c + 1), w.cit_start[c]
            jc = str(w.jc[m])
            coord = self._members(c)[0]
            coord_user = str(w.pro_user[w.mem_pro[coord] - 1])
            if rng.random() < 0.2:  # an earlier course that has ended
                course_id += 1
                began = start - rng.randint(200, 700)
                ended = start - rng.randint(1, 60)
                courses.add(
                    (
                        str(course_id),
                        _uuid(rng.getrandbits(128)),
                        clock.at(max(began, -Clock.BACK)),
                        clock.at(max(ended, -Clock.BACK)),
                        code,
                        cid,
                        "sygedagpenge",
                        clock.date(max(began, -Clock.BACK)),
                        clock.date(max(ended, -Clock.BACK)),
                        "ended",
                        rng.choice(OUTCOMES),
                        "",
                        "",
                        jc,
                    )
                )
            course_id += 1
            state = rng.choices(("active", "paused", "ended"), (0.88, 0.04, 0.08))[0]
            ends = clock.date(-rng.randint(0, min(30, -start))) if state == "ended" else NULL
            courses.add(
                (
                    str(course_id),
                    _uuid(rng.getrandbits(128)),
                    clock.at(start),
                    clock.at(start),
                    code,
                    cid,
                    rng.choices(groups, group_weights)[0],
                    clock.date(start),
                    ends,
                    state,
                    rng.choice(OUTCOMES) if state == "ended" else "",
                    "",
                    "",
                    jc,
                )
            )
            for _ in range(rng.randint(0, 5)):
                contact_id += 1
                at = clock.at(-rng.randint(1, min(120, -start)), rng.randrange(480, 960))
                contacts.add(
                    (
                        str(contact_id),
                        _uuid(rng.getrandbits(128)),
                        at,
                        at,
                        code,
                        cid,
                        at,
                        rng.choice(("meeting", "phone", "message", "letter", "home_visit")),
                        rng.choice(data.CONTACT_SUMMARIES),
                        coord_user,
                        jc,
                    )
                )
            network = self._network_orgs(c)
            for kind, share in (("psych", 0.7), ("gp", 0.6), ("rus", 0.5)):
                if kind not in network or rng.random() >= share:
                    continue
                consent_id += 1
                valid_from = start + rng.randint(0, 14)
                state = rng.random()
                valid_to = clock.date(min(valid_from + 365, Clock.AHEAD - 1))
                withdrawn = NULL
                if state < 0.05:  # expired
                    valid_from -= 400
                    valid_to = clock.date(max(valid_from + 365, -Clock.BACK))
                elif state < 0.1:
                    withdrawn = clock.at(-rng.randint(0, min(30, -valid_from)))
                recorded = clock.at(max(valid_from, -Clock.BACK))
                consents.add(
                    (
                        str(consent_id),
                        _uuid(rng.getrandbits(128)),
                        recorded,
                        recorded if withdrawn == NULL else withdrawn,
                        code,
                        cid,
                        str(network[kind][1]),
                        "",
                        copy_json(CONSENT_CATEGORIES[kind]),
                        rng.choice(data.CONSENT_PURPOSES),
                        clock.date(max(valid_from, -Clock.BACK)),
                        valid_to,
                        rng.choice(("written", "verbal", "digital")),
                        coord_user,
                        withdrawn,
                        coord_user if withdrawn != NULL else NULL,
                        "Borger ønsker ikke længere at dele" if withdrawn != NULL else "",
                        jc,  # from the jobcenter's plan to the health partner
                        "",
                        "f",
                        "f",
                        "",
                        "",
                    )
                )
            if c % 20000 == 0:
                self.progress.update(c)
        courses.flush()
        contacts.flush()
        consents.flush()
        self.progress.update(total, force=True)

    # --- meetings: about two a citizen a year, with agenda, minutes and decisions ---------------

    def meetings(self) -> None:
        """Past meetings since the course started (the first a planlægningsmøde), most with
        approved minutes, the four-item check and two or three decisions; and for most
        citizens one meeting to come (the caseload's and My meetings' lists)."""
        w, rng, clock, total = self.w, self.rng("meetings"), self.clock, self.scale.citizens
        self.progress.section("meetings", total)
        meetings, participants = self.buffer("meeting"), self.buffer("participant")
        agenda, minutes, decisions = (
            self.buffer("agenda"),
            self.buffer("minutes"),
            self.buffer("decision"),
        )
        ids = {"meeting": 0, "participant": 0, "agenda": 0, "minutes": 0, "decision": 0}
        later_kinds = ("follow_up", "network", "three_party", "planning")
        later_weights = (0.45, 0.3, 0.15, 0.1)

        def next_id(key: str) -> str:
            ids[key] += 1
            return str(ids[key])

        for c in range(total):
            m = w.cit_muni[c]
            code, cid, start = w.municipalities[m][0], str(c + 1), w.cit_start[c]
            members = self._members(c)
            coord = members[0]
            coord_pro, jc = w.mem_pro[coord], w.mem_org[coord]
            coord_user = str(w.pro_user[coord_pro - 1] or "") or NULL
            span = -start
            n_past = max(1, round(2 * span / 365 + rng.random() - 0.5))
            days = sorted({-rng.randint(1, max(1, span - 7)) for _ in range(n_past)})
            if start + 7 < 0 and days[0] > start + 7:
                days[0] = start + 7  # the planlægningsmøde, a week after the course began
            if rng.random() < 0.75:
                days.append(rng.randint(2, 60))  # one to come
            for k, day in enumerate(days):
                meeting_id = next_id("meeting")
                kind = "planning" if k == 0 else rng.choices(later_kinds, later_weights)[0]
                minute = rng.choice((540, 600, 660, 780))
                past = day < 0
                created = clock.at(max(day - 14, -Clock.BACK))
                meetings.add(
                    (
                        meeting_id,
                        _uuid(rng.getrandbits(128)),
                        created,
                        created,
                        code,
                        cid,
                        kind,
                        data.MEETING_PURPOSES[kind],
                        rng.choice(data.MEETING_QUESTIONS),
                        clock.at(day, minute),
                        clock.at(day, minute + 60),
                        rng.choice(("clinic", "jobcenter", "home", "online")),
                        str(coord_pro),
                        str(coord_pro),
                        str(coord_pro),
                        "held" if past else "planned",
                        "1",
                        "0",
                        str(jc),
                    )
                )
                invited = [coord, *rng.sample(members[1:], min(2, len(members) - 1))]
                for i in invited:
                    pro = w.mem_pro[i]
                    participants.add(
                        (
                            next_id("participant"),
                            _uuid(rng.getrandbits(128)),
                            created,
                            created,
                            code,
                            cid,
                            meeting_id,
                            str(i + 1),
                            "professional",
                            w.pro_name[pro - 1],
                            str(w.mem_org[i]),
                            _b(rng.random() < 0.9) if past else NULL,
                            "email",
                        )
                    )
                for position, (area, title) in enumerate(rng.sample(data.AGENDA_ITEMS, 3)):
                    agenda.add(
                        (
                            next_id("agenda"),
                            _uuid(rng.getrandbits(128)),
                            created,
                            created,
                            code,
                            cid,
                            meeting_id,
                            str(position),
                            title,
                            str(area),
                            coord_user,
                            str(jc),
                        )
                    )
                if not past or rng.random() < 0.08:  # a few held meetings still lack minutes
                    continue
                minutes_id = next_id("minutes")
                approved = clock.at(min(day + rng.randint(0, 3), -1), 900)
                check = [str(rng.randint(2, 5)) for _ in range(4)]
                minutes.add(
                    (
                        minutes_id,
                        _uuid(rng.getrandbits(128)),
                        clock.at(day, minute + 60),
                        approved,
                        code,
                        cid,
                        meeting_id,
                        "1",
                        "approved",
                        rng.choice(data.MINUTES_SUMMARIES),
                        *check,
                        approved,
                        coord_user,
                        coord_user,
                        str(jc),
                    )
                )
                for position, (topic, agreed, who) in enumerate(
                    rng.sample(data.DECISIONS, rng.randint(2, 3))
                ):
                    decisions.add(
                        (
                            next_id("decision"),
                            _uuid(rng.getrandbits(128)),
                            approved,
                            approved,
                            code,
                            cid,
                            minutes_id,
                            str(position),
                            topic,
                            agreed,
                            who,
                            str(rng.choice(invited) + 1),
                            clock.date(min(day + rng.randint(14, 60), Clock.AHEAD - 1)),
                            str(jc),
                        )
                    )
            if c % 20000 == 0:
                self.progress.update(c)
        for buffer in (meetings, participants, agenda, minutes, decisions):
            buffer.flush()
        self.progress.update(total, force=True)

    # --- plans, with their history ------------------------------------------------------------

    def plans(self) -> None:
        from enplan.plans.models import activity_category
        from enplan.plans.snapshots import PLAN_FIELDS

        w, rng, clock, total = self.w, self.rng("plans"), self.clock, self.scale.citizens
        self.progress.section("plans", total)
        plans, tracks = self.buffer("plan", 2000), self.buffer("track")
        goals, acts = self.buffer("goal"), self.buffer("activity")
        versions = self.buffer("version", 500)
        goal_id = act_id = track_id = version_id = 0
        sectors = {o.id: SECTORS[o.kind] for o in w.orgs}
        extra_versions = max(0.0, self.scale.versions - 1)
        for c in range(total):
            m = w.cit_muni[c]
            code, cid, start = w.municipalities[m][0], str(c + 1), w.cit_start[c]
            plan_id = str(c + 1)
            network = self._network_orgs(c)
            coord_idx, jc = network["jc"]
            coord_user = w.pro_user[w.mem_pro[coord_idx] - 1]
            psych = network.get("psych")
            psych_user = w.pro_user[w.mem_pro[psych[0]] - 1] if psych else 0
            members = self._members(c)
            roles = {ROLES[w.mem_role[i]] for i in members}
            created_day = min(start + rng.randint(0, 10), -1)
            created = clock.at(created_day, rng.randrange(480, 960))
            # The plan's fields and who wrote each (for consent).
            values = {name: "" for name in PLAN_FIELDS}
            values["followup_at"] = None
            origins: dict[str, int] = {}
            values["final_goal"] = rng.choice(data.FINAL_GOALS)
            for name, pool in data.AREAS.items():
                if name == "area_psychiatry" and not psych:
                    continue
                values[name] = rng.choice(pool)
            if "mentor" in roles:
                values["mentor_role"] = data.MENTOR_ROLES[0]
            if "stottekontaktperson" in roles:
                values["support_contact_role"] = data.SUPPORT_ROLES[0]
            followup_day = rng.randint(-5, 30)
            followup_min = rng.choice((540, 600, 660, 780, 840))
            if rng.random() < 0.85:
                values["followup_at"] = clock.iso(followup_day, followup_min)
                values["followup_place"] = rng.choice(data.FOLLOWUP_PLACES)
                values["followup_with"] = data.FOLLOWUP_WITH
            for name, value in values.items():
                if value:
                    origins[name] = jc
            if psych:
                for name in ("area_health", "area_psychiatry"):
                    origins[name] = psych[1]
            if values["support_contact_role"] and "soc" in network:
                origins["support_contact_role"] = network["soc"][1]
            # Sub-goals.
            goal_rows = []
            for pos, (title, area, by) in enumerate(rng.sample(data.GOALS, rng.randint(2, 6))):
                goal_id += 1
                origin = psych[1] if (by == "psych" and psych) else jc
                status = rng.choice(("open", "in_progress", "in_progress", "achieved"))
                goal_rows.append(
                    {
                        "id": goal_id,
                        "uuid": _uuid(rng.getrandbits(128)),
                        "title": title,
                        "area": area,
                        "target_date": clock.date(rng.randint(30, 180)),
                        "status": status,
                        "evaluation": rng.choice(data.GOAL_EVALUATIONS),
                        "position": pos,
                        "origin": origin,
                    }
                )
            # Activities, from the templates whose organisation is in the network.
            available = [a for a in data.ACTIVITIES if a[5] == "jc" or a[5] in network]
            n_acts = rng.randint(4, 12)
            picked = rng.sample(available, min(n_acts, len(available)))
            picked += rng.choices(available, k=n_acts - len(picked))
            act_rows = []
            for title, track, basis, ref, purpose, kind in picked:
                mem_idx, org = network.get(kind) or network["jc"]
                if kind == "jc" and title.startswith("Mentor") and "mentor" in roles:
                    mem_idx = next(i for i in members if ROLES[w.mem_role[i]] == "mentor")
                begin = rng.randint(-75, 45)
                end = begin + rng.randint(14, 90) if rng.random() < 0.9 else None
                if begin > 0:
                    status = "planned"
                elif end is not None and end < 0:
                    status = rng.choices(("done", "cancelled", "ongoing"), (0.75, 0.1, 0.15))[0]
                else:
                    status = rng.choices(("ongoing", "waiting"), (0.8, 0.2))[0]
                goal = rng.choice(goal_rows) if rng.random() < 0.7 else None
                pro = w.mem_pro[mem_idx]
                responsible = f"{w.pro_name[pro - 1]} – {self.role_label[w.mem_role[mem_idx]]}"
                act_rows.append(
                    {
                        "uuid": _uuid(rng.getrandbits(128)),
                        "title": title,
                        "goal": goal,
                        "track": track,
                        "starts_on": begin,
                        "ends_on": end,
                        "responsible_id": mem_idx + 1,
                        "responsible": responsible,
                        "organisation": org,
                        "purpose": purpose,
                        "legal_basis": basis,
                        "legal_reference": ref,
                        "status": status,
                        "citizen_view": rng.choice(("", "yes", "yes", "partly", "no")),
                        "evaluation": rng.choice(data.ACTIVITY_EVALUATIONS),
                        "category": activity_category(track, sectors[org]),
                    }
                )
            act_rows.sort(key=lambda a: a["starts_on"])  # the app's order: starts_on, id
            for a in act_rows:
                act_id += 1
                a["id"] = act_id
            # Tracks: employment sorts before treatment, as in the app.
            track_rows = []
            for kind in ("employment", "treatment"):
                track_id += 1
                owner = jc if kind == "employment" else (psych[1] if psych else jc)
                blank = kind == "treatment" and not psych
                ready = not blank and rng.random() < 0.25
                track_rows.append(
                    {
                        "id": track_id,
                        "uuid": _uuid(rng.getrandbits(128)),
                        "kind": kind,
                        "status": "active"
                        if blank
                        else rng.choices(
                            ("active", "waiting", "paused", "completed"), (0.7, 0.15, 0.05, 0.1)
                        )[0],
                        "summary": "" if blank else rng.choice(data.TRACK_SUMMARIES[kind]),
                        "ready": ready,
                        "ready_note": rng.choice(data.READY_NOTES) if ready else "",
                        "ready_by": (psych_user if kind == "treatment" else coord_user)
                        if ready
                        else 0,
                        "origin": owner,
                        "category": "health" if kind == "treatment" else "employment",
                    }
                )
            # History: version 1 is the plan as first set up; each later version is one
            # change (a follow-up moved, a goal or activity updated, a track changed, an
            # activity added), stored as the app stores it: a full snapshot.
            k = 1 + int(extra_versions) + (rng.random() < extra_versions - int(extra_versions))
            states = self._history(rng, k, values, origins, jc, goal_rows, act_rows, track_rows)
            last_day = created_day
            stamps = [created]
            for _ in states[1:]:
                last_day = min(last_day + rng.randint(1, 40), 0)
                stamps.append(clock.at(last_day, rng.randrange(480, 960)))
            authors = [
                psych_user if origin == (psych[1] if psych else -1) and psych_user else coord_user
                for (_change, _subject, _category, origin, _snap) in states
            ]
            updated = stamps[-1]
            # Rows.
            plan_uuid = _uuid(rng.getrandbits(128))
            w.plan_uuid.append(plan_uuid)
            plans.add(
                (
                    plan_id,
                    plan_uuid,
                    created,
                    updated,
                    code,
                    cid,
                    str(len(states)),
                    values["final_goal"],
                    values["area_future"],
                    values["area_everyday"],
                    values["area_health"],
                    values["area_psychiatry"],
                    values["area_jobcenter"],
                    values["mentor_role"],
                    values["support_contact_role"],
                    values["followup_at"].replace("T", " ") if values["followup_at"] else NULL,
                    values["followup_place"],
                    values["followup_with"],
                    str(authors[-1]),
                    str(jc),
                    copy_json(origins),
                )
            )
            for t in track_rows:
                signalled = clock.at(last_day) if t["ready"] else NULL
                tracks.add(
                    (
                        str(t["id"]),
                        t["uuid"],
                        created,
                        updated,
                        code,
                        cid,
                        plan_id,
                        t["kind"],
                        t["status"],
                        t["summary"],
                        _b(t["ready"]),
                        t["ready_note"],
                        signalled,
                        str(t["ready_by"]) if t["ready"] else NULL,
                        str(t["origin"]),
                    )
                )
            for g in goal_rows:
                goals.add(
                    (
                        str(g["id"]),
                        g["uuid"],
                        created,
                        updated,
                        code,
                        cid,
                        plan_id,
                        g["title"],
                        str(g["area"]),
                        g["target_date"],
                        g["status"],
                        g["evaluation"],
                        str(g["position"]),
                        str(g["origin"]),
                    )
                )
            for a in act_rows:
                acts.add(
                    (
                        str(a["id"]),
                        a["uuid"],
                        created,
                        updated,
                        code,
                        cid,
                        plan_id,
                        str(a["goal"]["id"]) if a["goal"] else NULL,
                        a["track"],
                        a["title"],
                        clock.date(a["starts_on"]),
                        clock.date(a["ends_on"]) if a["ends_on"] is not None else NULL,
                        str(a["responsible_id"]),
                        str(a["organisation"]),
                        a["purpose"],
                        a["legal_basis"],
                        a["legal_reference"],
                        a["status"],
                        a["citizen_view"],
                        a["evaluation"],
                        str(a["organisation"]),
                    )
                )
            for number, (change, subject, category, origin, snap) in enumerate(states, 1):
                version_id += 1
                versions.add(
                    (
                        str(version_id),
                        _uuid(rng.getrandbits(128)),
                        stamps[number - 1],
                        stamps[number - 1],
                        code,
                        cid,
                        plan_id,
                        str(number),
                        change,
                        subject,
                        category,
                        str(origin),
                        snap,
                        str(authors[number - 1]),
                    )
                )
            if c % 10000 == 0:
                self.progress.update(c)
        for buf in (plans, tracks, goals, acts, versions):
            buf.flush()
        self.progress.update(total, force=True)

    def _item_json(self, item: dict, kind: str) -> str:
        """One goal, activity or track as `snapshots._item` writes it (key order aside). Built
        as text, not json.dumps, for speed: every string in it comes from the checked pools,
        names or labels, none of which needs escaping."""
        if kind == "goal":
            return (
                f'{{"uuid":"{item["uuid"]}","_category":"plan","_origin":{item["origin"]},'
                f'"title":"{item["title"]}","area":{item["area"]},'
                f'"target_date":"{item["target_date"]}","status":"{item["status"]}",'
                f'"evaluation":"{item["evaluation"]}"}}'
            )
        if kind == "activity":
            date = self.clock.date
            goal = f'"{item["goal"]["title"]}"' if item["goal"] else "null"
            goal_id = f'"{item["goal"]["uuid"]}"' if item["goal"] else "null"
            pro = self.w.mem_pro[item["responsible_id"] - 1]
            ends = f'"{date(item["ends_on"])}"' if item["ends_on"] is not None else "null"
            return (
                f'{{"uuid":"{item["uuid"]}","_category":"{item["category"]}",'
                f'"_origin":{item["organisation"]},"title":"{item["title"]}","goal":{goal},'
                f'"track":"{item["track"]}","starts_on":"{date(item["starts_on"])}",'
                f'"ends_on":{ends},"responsible":"{item["responsible"]}",'
                f'"organisation":"{self.w.org(item["organisation"]).name}",'
                f'"purpose":"{item["purpose"]}","legal_basis":"{item["legal_basis"]}",'
                f'"legal_reference":"{item["legal_reference"]}","status":"{item["status"]}",'
                f'"citizen_view":"{item["citizen_view"]}","evaluation":"{item["evaluation"]}",'
                f'"_goal":{goal_id},"_responsible":{pro or "null"}}}'
            )
        ready = "true" if item["ready"] else "false"
        return (
            f'{{"uuid":"{item["uuid"]}","_category":"{item["category"]}",'
            f'"_origin":{item["origin"]},"status":"{item["status"]}",'
            f'"summary":"{item["summary"]}","ready_for_next_step":{ready},'
            f'"ready_note":"{item["ready_note"]}","kind":"{item["kind"]}"}}'
        )

    def _history(self, rng, k, values, origins, jc, goal_rows, act_rows, track_rows) -> list:
        """Versions 1..k as (change, subject, category, origin, snapshot text), built backwards
        from the current plan: each later version differs from the one before by one change."""
        from enplan.plans.snapshots import PLAN_FIELDS

        goals = [self._item_json(g, "goal") for g in goal_rows]
        acts = [self._item_json(a, "activity") for a in act_rows]
        tracks = [self._item_json(t, "track") for t in track_rows]
        plan_values = dict(values)
        plan_origins = _dumps({name: origins.get(name, jc) for name in PLAN_FIELDS})
        # The changes that led from version 1 to version k, latest first, each on its own item.
        candidates = [("activity", i) for i in range(len(act_rows))]
        candidates += [("goal", i) for i in range(len(goal_rows))]
        candidates += [("track", i) for i in range(len(track_rows)) if track_rows[i]["summary"]]
        if values["followup_at"]:
            candidates.append(("followup", 0))
        rng.shuffle(candidates)
        changes = candidates[: k - 1]
        states = []
        removed: set[int] = set()
        for what, i in changes:  # from version k down to version 2
            snap = self._snapshot(plan_values, plan_origins, goals, acts, tracks, removed)
            if what == "activity":
                a = act_rows[i]
                if rng.random() < 0.4:
                    states.append(("activity_added", a["title"], a["category"], a["organisation"]))
                    removed.add(i)
                else:
                    states.append(
                        ("activity_updated", a["title"], a["category"], a["organisation"])
                    )
                    before = "planned" if a["status"] != "planned" else "waiting"
                    acts[i] = self._item_json({**a, "status": before}, "activity")
            elif what == "goal":
                g = goal_rows[i]
                states.append(("goal_updated", g["title"], "plan", g["origin"]))
                goals[i] = self._item_json(
                    {**g, "status": "open" if g["status"] != "open" else "in_progress"}, "goal"
                )
            elif what == "track":
                t = track_rows[i]
                states.append(
                    ("track_updated", self.track_label[t["kind"]], t["category"], t["origin"])
                )
                tracks[i] = self._item_json(
                    {**t, "status": "active", "summary": "", "ready": False, "ready_note": ""},
                    "track",
                )
            else:
                states.append(("plan_updated", "", "plan", jc))
                day = int(plan_values["followup_at"][8:10])  # move it a week: any other date
                plan_values["followup_at"] = (
                    plan_values["followup_at"][:8]
                    + f"{(day + 6) % 28 + 1:02d}"
                    + plan_values["followup_at"][10:]
                )
            states[-1] = (*states[-1], snap)
        first = self._snapshot(plan_values, plan_origins, goals, acts, tracks, removed)
        states.append(("created", "", "plan", jc, first))
        states.reverse()
        return states

    @staticmethod
    def _snapshot(values, plan_origins, goals, acts, tracks, removed) -> str:
        activities = ",".join(a for i, a in enumerate(acts) if i not in removed)
        text = (
            '{"plan":'
            + _dumps(values)
            + ',"plan_origins":'
            + plan_origins
            + ',"goals":['
            + ",".join(goals)
            + '],"activities":['
            + activities
            + '],"tracks":['
            + ",".join(tracks)
            + "]}"
        )
        return text.replace("\\", "\\\\") if "\\" in text else text

    # --- audit ----------------------------------------------------------------------------------

    def audit(self) -> None:
        from enplan.audit.sealing import GENESIS

        w, rng, clock = self.w, self.rng("audit"), self.clock
        total, citizens = self.scale.audit, self.scale.citizens
        self.progress.section("audit", total)
        buf, seals = self.buffer("audit", 10000), self.buffer("seal")
        busy = rng.sample(range(citizens), max(1, citizens // 50))
        span_minutes = 365 * 1440
        previous = GENESIS
        segment = 50_000
        seal_id = 0
        first_in_segment = 1
        sha256 = hashlib.sha256
        kinds = [
            ("list", "citizen", "/citizens/", "GET", "ui", 0.35),
            ("read", "citizen", "/citizens/{c}/", "GET", "ui", 0.2),
            ("read", "plan", "/citizens/{c}/plan/", "GET", "ui", 0.22),
            ("read", "plan", "/api/v1/citizens/{c}/plan", "GET", "api", 0.03),
            ("read", "network", "/api/v1/citizens/{c}/network", "GET", "api", 0.04),
            ("read", "access_log", "/citizens/{c}/access-log/", "GET", "ui", 0.02),
            ("update", "plan", "/citizens/{c}/plan/areas/", "POST", "ui", 0.08),
            ("create", "contact", "/citizens/{c}/contacts/new/", "POST", "ui", 0.03),
            ("refused", "citizen", "/citizens/{c}/", "GET", "ui", 0.01),
        ]
        kind_weights = [k[-1] for k in kinds]
        users_by_pro = [i for i, u in enumerate(w.pro_user) if u]
        for j in range(1, total + 1):
            minute = (j - 1) * span_minutes // total + rng.randrange(3)
            day, minute = divmod(minute, 1440)
            at_copy = clock.at(day - 365, minute)
            at_iso = clock.iso(day - 365, minute)
            c = busy[rng.randrange(len(busy))] if rng.random() < 0.3 else rng.randrange(citizens)
            action, otype, path, method, channel, _w = rng.choices(kinds, kind_weights)[0]
            cuuid = w.cit_uuid[c]
            if action == "refused":
                pro = users_by_pro[rng.randrange(len(users_by_pro))]
            else:
                members = self._members(c)
                pro = w.mem_pro[members[rng.randrange(len(members))]] - 1
                if not w.pro_user[pro]:
                    pro = w.mem_pro[members[0]] - 1
            who = w.pro_who[w.pro_user[pro] - 1]
            oid = cuuid
            if action == "create":
                oid = _uuid(rng.getrandbits(128))
            elif action == "update":
                oid = w.plan_uuid[c]
            ip = f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
            # The context as record() stores it, keys sorted (so that it is also canonical).
            common = f'"channel":"{channel}","ip":"{ip}","method":"{method}","path":"' + (
                path.format(c=cuuid) + '"'
            )
            if action == "update":
                version = rng.randint(2, 9)
                context = f'{{"change":"plan_updated",{common},"version":{version}}}'
            elif action == "refused":
                context = f'{{{common},"reason":"network"}}'
            else:
                context = f"{{{common}}}"
            code = w.municipalities[w.cit_muni[c]][0]
            seal = ""
            if self.scale.seal:
                canonical = (
                    f'{{"action":"{action}","actor":"{who[1]}","actor_name":"{who[2]}",'
                    f'"at":"{at_iso}","citizen_uuid":"{cuuid}","context":{context},'
                    f'"id":{j},"municipality_code":"{code}","object_id":"{oid}",'
                    f'"object_type":"{otype}","organisation":"{who[3]}","role":"{who[4]}",'
                    f'"user_id":{who[0]}}}'
                )
                previous = sha256(previous.encode() + canonical.encode()).hexdigest()
                seal = previous
                if j % segment == 0 or j == total:
                    seal_id += 1
                    seals.add(
                        (
                            str(seal_id),
                            str(first_in_segment),
                            str(j),
                            str(j - first_in_segment + 1),
                            previous,
                            clock.at(day - 365, min(minute + 1, 1439)),
                        )
                    )
                    first_in_segment = j + 1
            buf.add(
                (
                    str(j),
                    at_copy,
                    who[0],
                    who[1],
                    who[2],
                    who[3],
                    who[4],
                    cuuid,
                    code,
                    otype,
                    oid,
                    action,
                    context,
                    seal,
                )
            )
            if j % 100000 == 0:
                self.progress.update(j)
        buf.flush()
        seals.flush()
        self.progress.update(total, force=True)

    # --- messages -------------------------------------------------------------------------------

    def messages(self) -> None:
        w, rng, clock = self.w, self.rng("messages"), self.clock
        total, citizens = self.scale.messages, self.scale.citizens
        self.progress.section("messages", total)
        threads, msgs = self.buffer("thread", 2000), self.buffer("message", 500)
        segments, receipts = self.buffer("segment"), self.buffer("receipt", 1000)
        templates = {n: _BundleTemplate(n) for n, _ in THREAD_LENGTHS}
        ack = _AckTemplate()
        lengths = [n for n, _ in THREAD_LENGTHS]
        length_weights = [p for _, p in THREAD_LENGTHS]
        msg_id = thread_id = segment_id = receipt_id = 0
        while msg_id < total:
            thread_id += 1
            n = min(rng.choices(lengths, length_weights)[0], total - msg_id)
            c = rng.randrange(citizens)
            m = w.cit_muni[c]
            network = self._network_orgs(c)
            triage = thread_id % 33 == 0  # about someone not (yet) known here
            ours_kind = "psych" if ("psych" in network and rng.random() < 0.3) else "jc"
            ours_idx, ours_id = network[ours_kind]
            ours = w.org(ours_id)
            if "trauma" in network and rng.random() < 0.3:
                partner = w.org(network["trauma"][1])
            elif "gp" in network:
                partner = w.org(network["gp"][1])
            else:
                partner = w.org(w.gps[m][0])
            writer = w.mem_pro[ours_idx]
            partner_staff = self.w.staff.get((partner.id, "gp")) or self.w.staff.get(
                (partner.id, "trauma")
            )
            partner_pro = partner_staff[rng.randrange(len(partner_staff))] if partner_staff else 0
            given, family = w.cit_name[c]
            cpr = w.cit_cpr[c]
            if triage:  # a number nobody here has
                cpr = f"{cpr[:6]}{(int(cpr[6:]) + 5003) % 10000:04d}"
            comm_id = "urn:uuid:" + _uuid(rng.getrandbits(128))
            category = rng.choice(MESSAGE_CATEGORIES)
            topic = rng.choice(data.MESSAGE_TOPICS)
            first_in = rng.random() < 0.4  # the partner wrote first
            day = -rng.randint(1, 700)
            minute = rng.randrange(480, 900)
            headers: list[str] = []
            payloads: list[dict] = []
            history: list[dict] = []
            last_in = NULL
            sent_copy = first_copy = ""
            patient = {
                "identifiers": [{"system": _CPR_SYSTEM, "value": cpr}],
                "name": f"{given} {family}",
                "family": family,
                "given": [given],
                "deceased": False,
            }
            for pos in range(n):
                msg_id += 1
                incoming = (pos % 2 == 0) == first_in
                sender, receiver = (partner, ours) if incoming else (ours, partner)
                if pos:
                    day = min(day + rng.randint(0, 6), 0)
                    minute = min(minute + rng.randrange(10, 300), 1439)
                sent_iso = clock.iso(day, minute)
                sent_copy = clock.at(day, minute)
                first_copy = first_copy or sent_copy
                header = _uuid(rng.getrandbits(128))
                bundle_id = _uuid(rng.getrandbits(128))
                pid = "urn:uuid:" + _uuid(rng.getrandbits(128))
                author = partner_pro if incoming else writer
                author_name = w.pro_name[author - 1] if author else partner.name
                author_role = w.pro_role_text[author - 1] if author else ""
                phone = w.pro_phone[author - 1] if author else ""
                text = rng.choice(data.MESSAGE_TEXTS)
                payloads.append(
                    {
                        "id": pid,
                        "ts": sent_iso,
                        "sor": sender.sor,
                        "author": author_name,
                        "role": author_role,
                        "phone": phone,
                        "text": text,
                    }
                )
                previous = headers[-1] if headers else ""
                activity = "reply-message" if pos else "new-message"
                history.append(
                    {
                        "target": header,
                        "activity": activity,
                        "occurred": sent_iso,
                        "agent_sor": sender.sor,
                        "payload_ids": [pid],
                        "previous": previous,
                    }
                )
                headers.append(header)
                bundle, digest = templates[pos + 1].fill(
                    rng,
                    bundle_id=bundle_id,
                    timestamp=sent_iso,
                    sender=sender,
                    receiver=receiver,
                    cpr=cpr,
                    family=family,
                    given=given,
                    comm_id=comm_id,
                    category=category,
                    topic=topic,
                    payloads=payloads,
                    history=history,
                )
                user = NULL if incoming else str(w.pro_user[writer - 1] or NULL)
                msgs.add(
                    (
                        str(msg_id),
                        _uuid(rng.getrandbits(128)),
                        sent_copy,
                        sent_copy,
                        str(thread_id),
                        str(ours.id),
                        "in" if incoming else "out",
                        activity,
                        header,
                        bundle_id,
                        digest,
                        previous,
                        sender.sor,
                        sender.ean,
                        receiver.sor,
                        receiver.ean,
                        sent_copy,
                        user,
                        "received" if incoming else "acknowledged",
                        "ok",
                        "",
                        bundle,
                    )
                )
                segment_id += 1
                segments.add(
                    (
                        str(segment_id),
                        _uuid(rng.getrandbits(128)),
                        sent_copy,
                        sent_copy,
                        str(thread_id),
                        str(msg_id),
                        pid,
                        "text",
                        sent_copy,
                        str(ours.id),
                        _b(incoming),
                        sender.sor,
                        author_name,
                        author_role,
                        phone,
                        text,
                        "",
                        "",
                        "0",
                        "",
                        "",
                        NULL,
                    )
                )
                if incoming:
                    last_in = sent_copy
                    receipt_id += 1
                    ack_header = _uuid(rng.getrandbits(128))
                    receipts.add(
                        (
                            str(receipt_id),
                            sent_copy,
                            "api",
                            "",
                            header,
                            bundle_id,
                            digest,
                            str(ours.id),
                            sender.sor,
                            "accepted",
                            "",
                            str(msg_id),
                            ack_header,
                            "ok",
                            ack.fill(rng, ack_header, header, ours, sender, history[-1], sent_iso),
                        )
                    )
            threads.add(
                (
                    str(thread_id),
                    _uuid(rng.getrandbits(128)),
                    first_copy,
                    sent_copy,
                    str(ours.id),
                    NULL if triage else str(c + 1),
                    "" if triage else w.municipalities[m][0],
                    comm_id,
                    str(partner.id),
                    category,
                    topic,
                    copy_json(patient),
                    "f",
                    NULL,
                    sent_copy,
                    last_in,
                    "",
                    copy_json(history),
                )
            )
            if thread_id % 20000 == 0:
                self.progress.update(msg_id)
        for buf in (threads, msgs, segments, receipts):
            buf.flush()
        self.progress.update(msg_id, force=True)


# --- message bundles, built once by enplan's own builder and filled in per message --------------

_CPR_SYSTEM = "urn:oid:1.2.208.176.1.2"
_TOKEN = re.compile(r"⟦(\w+)⟧")
_UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


class _Template:
    """A JSON text with ⟦name⟧ placeholders, split once so that filling is one join
    (several times faster than str.format on texts this long)."""

    def __init__(self, text: str):
        parts = _TOKEN.split(text)
        self.parts, self.names = parts, parts[1::2]

    def fill(self, values: dict[str, str]) -> str:
        out = self.parts.copy()
        out[1::2] = [values[name] for name in self.names]
        return "".join(out)


def _tokenise_ids(text: str, seen: dict[str, str]) -> str:
    """Replace the builder's derived resource ids by placeholders ⟦r0⟧, ⟦r1⟧ …"""

    def sub(match: re.Match) -> str:
        value = match.group(0)
        if value not in seen:
            seen[value] = f"r{len(seen)}"
        return f"⟦{seen[value]}⟧"

    return _UUID_RE.sub(sub, text)


def _derived_ids(base: str, names: list[str]) -> dict[str, str]:
    """Resource ids unique within the bundle, derived from its (random, unique) message id:
    its last four hex digits plus 1, 2, … (so never the message id itself)."""
    stem, last = base[:-4], int(base[-4:], 16)
    return {name: f"{stem}{(last + k) % 65536:04x}" for k, name in enumerate(names, 1)}


class _BundleTemplate:
    """The n-th message of a thread: n payloads and n Provenance entries, as
    `enplan.messaging.fhir.build` writes it; `fill` also returns its `content_hash`."""

    def __init__(self, n: int):
        from enplan.messaging import fhir

        s, r = (
            fhir.OrgRef("⟦ssor⟧", "⟦sean⟧", "⟦sname⟧"),
            fhir.OrgRef("⟦rsor⟧", "⟦rean⟧", "⟦rname⟧"),
        )
        sors = ["⟦ssor⟧" if (n - 1 - i) % 2 == 0 else "⟦rsor⟧" for i in range(n)]
        cc = fhir.CareCommunication(
            bundle_id="⟦bid⟧",
            header_id=f"⟦h{n - 1}⟧",
            timestamp="⟦ts⟧",
            sender=s,
            receiver=r,
            patient=fhir.Patient([(_CPR_SYSTEM, "⟦cpr⟧")], "⟦family⟧", ["⟦given⟧"]),
            communication_id="⟦cid⟧",
            category="⟦cat⟧",
            topic="⟦topic⟧",
            payloads=[
                fhir.Payload(
                    identifier=f"⟦p{i}⟧",
                    timestamp=f"⟦pts{i}⟧",
                    assigner_sor=sors[i],
                    author=fhir.Author(name=f"⟦ag{i}⟧ ⟦af{i}⟧", role_text=f"⟦ar{i}⟧"),
                    phone=f"⟦ph{i}⟧",
                    text=f"⟦tx{i}⟧",
                )
                for i in range(n)
            ],
            provenance=[
                fhir.ProvenanceEntry(
                    target=f"⟦h{i}⟧",
                    activity=f"⟦act{i}⟧",
                    occurred=f"⟦pts{i}⟧",
                    agent_sor=sors[i],
                    payload_ids=[f"⟦p{i}⟧"],
                    previous=f"⟦h{i - 1}⟧" if i else "",
                )
                for i in range(n)
            ],
        )
        bundle = fhir.build(cc)
        seen: dict[str, str] = {}
        self.bundle = _Template(_tokenise_ids(_dumps(bundle), seen))
        essence = fhir.content_essence(bundle)  # what fhir.content_hash hashes
        canonical = json.dumps(essence, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        self.essence = _Template(_tokenise_ids(canonical, seen))
        self.ids = list(seen.values())
        self.n = n

    def fill(self, rng, *, bundle_id, timestamp, sender, receiver, cpr, family, given, comm_id,
             category, topic, payloads, history) -> tuple[str, str]:  # fmt: skip
        values = {
            "bid": bundle_id,
            "ts": timestamp,
            "ssor": sender.sor,
            "sean": sender.ean,
            "sname": sender.name,
            "rsor": receiver.sor,
            "rean": receiver.ean,
            "rname": receiver.name,
            "cpr": cpr,
            "family": family,
            "given": given,
            "cid": comm_id,
            "cat": category,
            "topic": topic,
        }
        for i in range(self.n):
            p, h = payloads[i], history[i]
            values[f"p{i}"] = p["id"]
            values[f"pts{i}"] = p["ts"]
            values[f"ag{i}"], _, values[f"af{i}"] = p["author"].rpartition(" ")
            values[f"ar{i}"] = p["role"]
            values[f"ph{i}"] = p["phone"]
            values[f"tx{i}"] = p["text"]
            values[f"h{i}"] = h["target"]
            values[f"act{i}"] = h["activity"]
        # Resource ids only need to be unique: derive them from the (unique) message id.
        values.update(_derived_ids(values[f"h{self.n - 1}"], self.ids))
        digest = hashlib.sha256(self.essence.fill(values).encode()).hexdigest()
        return self.bundle.fill(values), digest


class _AckTemplate:
    """A positive MedCom Acknowledgement as `fhir.build_ack` writes it (for a first message
    and for a reply, whose Provenance names the message it answers)."""

    def __init__(self):
        self.templates = {previous: self._build(previous) for previous in (False, True)}

    @staticmethod
    def _build(previous: bool) -> tuple[_Template, list[str]]:
        from enplan.messaging import fhir

        ack = fhir.build_ack(
            responding_to="⟦resp⟧",
            ours=fhir.OrgRef("⟦osor⟧", "⟦oean⟧", "⟦oname⟧"),
            theirs=fhir.OrgRef("⟦tsor⟧", "⟦tean⟧", "⟦tname⟧"),
            code="ok",
            latest=fhir.ProvenanceEntry(
                target="⟦resp⟧",
                activity="⟦act⟧",
                occurred="⟦occ⟧",
                agent_sor="⟦tsor⟧",
                payload_ids=["⟦pid⟧"],
                previous="⟦prev⟧" if previous else "",
            ),
            when="⟦when⟧",
        )
        seen: dict[str, str] = {}
        text = _dumps(ack).replace(ack["entry"][0]["resource"]["id"], "⟦ackid⟧")
        return _Template(_tokenise_ids(text, seen)), list(seen.values())

    def fill(self, rng, ack_header, header, ours, sender, latest, when) -> str:
        template, ids = self.templates[bool(latest["previous"])]
        values = {
            "ackid": ack_header,
            "resp": header,
            "osor": ours.sor,
            "oean": ours.ean,
            "oname": ours.name,
            "tsor": sender.sor,
            "tean": sender.ean,
            "tname": sender.name,
            "act": latest["activity"],
            "occ": latest["occurred"],
            "pid": latest["payload_ids"][0],
            "prev": latest["previous"],
            "when": when,
        }
        values.update(_derived_ids(ack_header, ids))
        return template.fill(values)


def generate(
    scale: Scale, *, seed: int, today: datetime.date, sink: Sink, out: Out = print
) -> dict[str, int]:
    """Generate the dataset into `sink`, inside the caller's transaction; rows per table."""
    return Generator(scale, seed=seed, today=today, sink=sink, out=out).run()
