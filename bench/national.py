"""enplan at national scale through the real HTTP stack (issue 5).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/enplan_national \\
        .venv/bin/python bench/national.py

Runs against the dataset of `manage.py generate_national` (use a database of its own). Starts
gunicorn with the production settings (DEBUG off; plain HTTP on 127.0.0.1 only because
SECURE_SSL_REDIRECT=0: TLS belongs to the proxy in front) and a second one whose audit writes
are switched off (bench/noaudit_wsgi.py) to measure what auditing costs. For each path it
prints median, p95 and requests/s with one client, runs the path's main query as raw SQL in
the same run and prints the ratio app / raw SQL; then a mixed load with 8 concurrent clients
and message receipt with 8 concurrent senders. The figures are written to var/bench_national.json.

The benchmark writes to the database it measures (sessions, an API token per caseworker, plan
versions, received messages, audit rows): run it on a generated dataset, never on real data.
"""

from __future__ import annotations

import argparse
import datetime
import http.client
import json
import os
import random
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.utils import timezone

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

RECEIVE_PATH = "/api/v1/messaging/receive"
RECEIVE_BATCH_PATH = "/api/v1/messaging/receive-batch"


# --- who the benchmark acts as, and on which citizens ---------------------------------------


@dataclass
class CitizenRef:
    id: int
    uuid: str
    cpr: str
    plan_id: int
    plan_uuid: str
    jobcenter_sor: str


@dataclass
class Subject:
    """A caseworker with a session, an API token and the citizens they coordinate."""

    user_id: int
    username: str
    session_key: str
    token: str
    citizens: list[CitizenRef]
    versions: dict[int, int] = field(default_factory=dict)  # plan id -> version
    audit_citizen: CitizenRef | None = None  # the one with the longest access log
    # (citizen uuid, meeting uuid, meeting id): held meetings with minutes, to read; and
    # meetings with draft minutes, to write minutes to
    meetings: list[tuple[str, str, int]] = field(default_factory=list)
    drafts: list[tuple[str, str, int]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _session_for(user) -> str:
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session.session_key


def pick_subjects(count: int, *, min_caseload: int = 50, seed: int = 5) -> list[Subject]:
    """`count` caseworkers who coordinate at least `min_caseload` citizens (fewer if the
    dataset is small), spread over the country, each logged in and holding a token."""
    from django.db.models import Count, Q

    from enplan.accounts.models import ApiToken, User
    from enplan.audit.models import AuditEntry
    from enplan.citizens.models import Citizen
    from enplan.network.models import NetworkMembership
    from enplan.organisations.models import Organisation

    coordinating = Q(
        professional__memberships__role="coordinator",
        professional__memberships__ended_at__isnull=True,
    )
    users = list(
        User.objects.filter(professional__isnull=False)
        .annotate(n=Count("professional__memberships", filter=coordinating))
        .filter(n__gte=1)
        .order_by("-n", "id")
        .values_list("id", "n")
    )
    eligible = [u for u, n in users if n >= min_caseload] or [u for u, _n in users]
    rng = random.Random(seed)
    chosen = sorted(rng.sample(eligible, min(count, len(eligible))))
    subjects = []
    for user in User.objects.filter(id__in=chosen).select_related("professional"):
        ids = list(
            NetworkMembership.objects.filter(
                professional__user=user, role="coordinator", ended_at__isnull=True
            ).values_list("citizen_id", flat=True)
        )
        rows = (
            Citizen.objects.filter(id__in=ids)
            .filter(plan__isnull=False)
            .values_list("id", "uuid", "cpr", "plan__id", "plan__uuid", "plan__version")
            .order_by("id")
        )
        org = user.professional.organisation
        sor = Organisation.objects.filter(pk=org.pk).values_list("sor_code", flat=True)[0]
        citizens, versions = [], {}
        for cid, cuuid, cpr, plan_id, plan_uuid, version in rows:
            citizens.append(CitizenRef(cid, str(cuuid), cpr, plan_id, str(plan_uuid), sor))
            versions[plan_id] = version
        _token, raw = ApiToken.issue(user, f"bench {timezone.localtime():%Y-%m-%d %H:%M}")
        subject = Subject(user.pk, user.username, _session_for(user), raw, citizens, versions)
        counts = dict(
            AuditEntry.objects.filter(citizen_uuid__in=[c.uuid for c in citizens])
            .values_list("citizen_uuid")
            .annotate(n=Count("id"))
            .values_list("citizen_uuid", "n")
        )
        subject.audit_citizen = max(citizens, key=lambda c: counts.get(uuid.UUID(c.uuid), 0))
        subject.meetings, subject.drafts = _meetings_for(user, [c.id for c in citizens])
        subjects.append(subject)
    return subjects


def _meetings_for(user, citizen_ids: list[int]) -> tuple[list, list]:
    """Meetings to read (held, with minutes and decisions) and meetings to write minutes
    to: draft minutes are started here, as the minute-taker would open the form."""

    from enplan.meetings.models import Meeting, Minutes, MinutesState, Status

    held = list(
        Meeting.objects.filter(citizen_id__in=citizen_ids, minutes__isnull=False)
        .exclude(status=Status.CANCELLED)
        .values_list("citizen__uuid", "uuid", "id")
        .distinct()
        .order_by("-starts_at")[:200]
    )
    open_ = list(
        Meeting.objects.filter(citizen_id__in=citizen_ids)
        .exclude(status=Status.CANCELLED)
        .exclude(minutes__state=MinutesState.APPROVED)
        .select_related("citizen")
        .order_by("-starts_at")[:100]
    )
    have = set(Minutes.objects.filter(meeting__in=open_).values_list("meeting_id", flat=True))
    missing = [
        Minutes(
            meeting=m,
            citizen=m.citizen,
            municipality_code=m.municipality_code,
            author=user,
            origin_id=m.origin_id,
        )
        for m in open_
        if m.pk not in have
    ]
    Minutes.objects.bulk_create(missing)
    draft = dict(Minutes.objects.filter(meeting__in=open_).values_list("meeting_id", "id"))
    drafts = [(str(m.citizen.uuid), str(m.uuid), draft[m.pk]) for m in open_ if m.pk in draft]
    return [(str(c), str(m), i) for c, m, i in held], drafts


# --- clients -----------------------------------------------------------------------------------


class HttpClient:
    """One request per connection, as gunicorn's sync workers answer (no keep-alive)."""

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port

    def request(self, method: str, path: str, headers: dict, body: bytes | None = None):
        conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
        try:
            conn.request(method, path, body=body, headers={"Host": self.host, **headers})
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()


class DjangoClient:
    """The same requests through Django's test client (for the smoke test)."""

    def __init__(self):
        from django.test import Client

        self.client = Client()

    def request(self, method: str, path: str, headers: dict, body: bytes | None = None):
        extra = {}
        for name, value in headers.items():
            if name.lower() == "cookie":
                key, _eq, val = value.partition("=")
                self.client.cookies[key] = val
            elif name.lower() != "content-type":
                extra["HTTP_" + name.upper().replace("-", "_")] = value
        kwargs = {}
        if body is not None:
            kwargs["content_type"] = headers.get("Content-Type", "application/octet-stream")
        response = getattr(self.client, method.lower())(
            path, data=body if body is not None else None, **kwargs, **extra
        )
        return response.status_code, response.content


def _session_headers(s: Subject) -> dict:
    from django.conf import settings

    return {"Cookie": f"{settings.SESSION_COOKIE_NAME}={s.session_key}"}


def _token_headers(s: Subject) -> dict:
    return {"Authorization": f"Bearer {s.token}"}


# --- the paths: each an app request and its main query as raw SQL ----------------------------


def _uuid_param(value: str):
    from django.db import connection

    return uuid.UUID(value).hex if connection.vendor == "sqlite" else value


CASELOAD_SQL = """
SELECT c.id, c.uuid, c.given_name, c.family_name, p.followup_at,
  (SELECT count(*) FROM plans_activity a WHERE a.citizen_id = c.id
     AND a.status IN ('planned', 'ongoing', 'waiting') AND a.ends_on < %(today)s) AS overdue,
  (SELECT max(k.at) FROM citizens_contact k WHERE k.citizen_id = c.id) AS last_contact,
  (SELECT m.role FROM network_networkmembership m
     JOIN organisations_professional pr ON pr.id = m.professional_id
   WHERE m.citizen_id = c.id AND m.ended_at IS NULL AND pr.user_id = %(user)s
   ORDER BY CASE WHEN m.role = 'coordinator' THEN 0 ELSE 1 END, m.id LIMIT 1) AS my_role,
  (SELECT co.target_group FROM courses_course co WHERE co.citizen_id = c.id
     AND co.state IN ('active', 'paused') ORDER BY co.starts_on DESC LIMIT 1) AS target_group,
  (SELECT mt.starts_at FROM meetings_meeting mt WHERE mt.citizen_id = c.id
     AND mt.status = 'planned' AND mt.starts_at >= %(now)s ORDER BY mt.starts_at
     LIMIT 1) AS next_meeting
FROM citizens_citizen c LEFT JOIN plans_plan p ON p.citizen_id = c.id
WHERE c.id IN (SELECT m.citizen_id FROM network_networkmembership m
               JOIN organisations_professional pr ON pr.id = m.professional_id
               WHERE m.ended_at IS NULL AND pr.user_id = %(user)s)
ORDER BY c.family_name, c.given_name, c.id LIMIT 50
"""

PLAN_SQL = """
SELECT p.version, p.final_goal, a.id, a.title, a.starts_on, a.ends_on, a.status, g.title,
       o.name, pr.name, m.role
FROM plans_plan p
  JOIN plans_activity a ON a.plan_id = p.id
  LEFT JOIN plans_goal g ON g.id = a.goal_id
  LEFT JOIN organisations_organisation o ON o.id = a.organisation_id
  LEFT JOIN network_networkmembership m ON m.id = a.responsible_id
  LEFT JOIN organisations_professional pr ON pr.id = m.professional_id
WHERE p.id = %(plan)s
ORDER BY a.starts_on, a.id
"""

AUDIT_COUNT_SQL = "SELECT count(*) FROM audit_auditentry WHERE citizen_uuid = %(citizen)s"
AUDIT_PAGE_SQL = """
SELECT at, actor, actor_name, organisation, role, action, object_type, context
FROM audit_auditentry WHERE citizen_uuid = %(citizen)s ORDER BY at DESC, id DESC LIMIT 50
"""


def _fetch(cursor, sql: str, params: dict) -> int:
    cursor.execute(sql, params)
    return len(cursor.fetchall())


def caseload_app(client, s: Subject, rng) -> int:
    return client.request("GET", "/citizens/", _session_headers(s))[0]


def caseload_raw(cursor, s: Subject, rng) -> int:
    params = {
        "user": s.user_id,
        "today": timezone.localdate(),
        "now": datetime.datetime.now(datetime.UTC),
    }
    return _fetch(cursor, CASELOAD_SQL, params)


def plan_page_app(client, s: Subject, rng) -> int:
    c = rng.choice(s.citizens)
    return client.request("GET", f"/citizens/{c.uuid}/plan/", _session_headers(s))[0]


def plan_raw(cursor, s: Subject, rng) -> int:
    return _fetch(cursor, PLAN_SQL, {"plan": rng.choice(s.citizens).plan_id})


def plan_api_app(client, s: Subject, rng) -> int:
    c = rng.choice(s.citizens)
    return client.request("GET", f"/api/v1/citizens/{c.uuid}/plan", _token_headers(s))[0]


def fhir_app(client, s: Subject, rng) -> int:
    c = rng.choice(s.citizens)
    return client.request("GET", f"/fhir/r4/CarePlan/{c.plan_uuid}", _token_headers(s))[0]


PLACES = ["Jobcentret", "Lokalpsykiatrien", "Online (video)", "Hjemme hos borger"]


def save_app(client, s: Subject, rng) -> int:
    """A plan change through the API: the version the client last saw, a new meeting place."""
    c = rng.choice(s.citizens)
    with s.lock:
        version = s.versions[c.plan_id]
    body = json.dumps({"version": version, "followup_place": rng.choice(PLACES)}).encode()
    headers = {**_token_headers(s), "Content-Type": "application/json"}
    status, content = client.request("PATCH", f"/api/v1/citizens/{c.uuid}/plan", headers, body)
    if status in (200, 409):
        data = json.loads(content)
        with s.lock:
            s.versions[c.plan_id] = data.get("version") or data.get("current_version", version)
    return status


def _audit_update(cursor, s: Subject, now, citizen_uuid: str, kind: str, object_id: str):
    """The one audit row a write adds, as the middleware would write it."""
    cursor.execute(
        """
        INSERT INTO audit_auditentry (at, user_id, actor, actor_name, organisation, role,
          citizen_uuid, municipality_code, object_type, object_id, action, context, seal)
        VALUES (%(now)s, %(user)s, %(actor)s, '', '', 'professional', %(citizen)s, '',
          %(kind)s, %(id)s, 'update', %(context)s, '')
        """,
        {
            "now": now,
            "user": s.user_id,
            "actor": s.username,
            "citizen": _uuid_param(citizen_uuid),
            "kind": kind,
            "id": object_id,
            "context": '{"channel": "bench"}',
        },
    )


def save_raw(cursor, s: Subject, rng) -> int:
    """The writes of a save in one transaction: claim the version, store the change, store a
    new version (a copy of the last snapshot) and one audit row."""
    from django.db import transaction

    c = rng.choice(s.citizens)
    now = datetime.datetime.now(datetime.UTC)
    with transaction.atomic():
        with s.lock:
            version = s.versions[c.plan_id]
        cursor.execute(
            "UPDATE plans_plan SET version = version + 1, followup_place = %(place)s, "
            "updated_at = %(now)s WHERE id = %(plan)s AND version = %(version)s",
            {"place": rng.choice(PLACES), "now": now, "plan": c.plan_id, "version": version},
        )
        if cursor.rowcount != 1:
            return 409
        cursor.execute(
            """
            INSERT INTO plans_planversion (uuid, created_at, updated_at, municipality_code,
              citizen_id, plan_id, number, change, subject, subject_category,
              subject_origin_id, snapshot, author_id)
            SELECT %(uuid)s, %(now)s, %(now)s, v.municipality_code, v.citizen_id, v.plan_id,
              %(number)s, 'plan_updated', '', 'plan', v.subject_origin_id, v.snapshot,
              %(user)s
            FROM plans_planversion v WHERE v.plan_id = %(plan)s
            ORDER BY v.number DESC LIMIT 1
            """,
            {
                "uuid": _uuid_param(str(uuid.uuid4())),
                "now": now,
                "number": version + 1,
                "user": s.user_id,
                "plan": c.plan_id,
            },
        )
        _audit_update(cursor, s, now, c.uuid, "plan", c.plan_uuid)
        with s.lock:
            s.versions[c.plan_id] = version + 1
    return 200


MEETING_SQL = """
SELECT m.kind, m.purpose, m.working_question, m.starts_at, m.ends_at, m.status,
  (SELECT count(*) FROM meetings_participant p WHERE p.meeting_id = m.id),
  (SELECT count(*) FROM meetings_agendaitem a WHERE a.meeting_id = m.id)
FROM meetings_meeting m WHERE m.id = %(meeting)s
"""
MEETING_DETAIL_SQL = """
SELECT p.name, p.role, o.name, p.attended FROM meetings_participant p
  LEFT JOIN organisations_organisation o ON o.id = p.organisation_id
WHERE p.meeting_id = %(meeting)s ORDER BY p.id
"""
MINUTES_SQL = """
SELECT mi.summary, mi.state, d.topic, d.agreed, d.who, d.due_on
FROM meetings_minutes mi LEFT JOIN meetings_decision d ON d.minutes_id = mi.id
WHERE mi.meeting_id = %(meeting)s ORDER BY mi.number DESC, d.position, d.id
"""


def meeting_page_app(client, s: Subject, rng) -> int:
    citizen, meeting, _id = rng.choice(s.meetings)
    return client.request("GET", f"/citizens/{citizen}/meetings/{meeting}/", _session_headers(s))[0]


def meeting_raw(cursor, s: Subject, rng) -> int:
    params = {"meeting": rng.choice(s.meetings)[2]}
    return sum(
        _fetch(cursor, sql, params) for sql in (MEETING_SQL, MEETING_DETAIL_SQL, MINUTES_SQL)
    )


SUMMARIES = [
    "Borgeren fortalte om de seneste uger. Praktikken fortsætter.",
    "Alle parter var med. Næste skridt er aftalt.",
]


def save_minutes_app(client, s: Subject, rng) -> int:
    """The minute-taker saves the draft minutes through the API (summary and the check)."""
    citizen, meeting, _id = rng.choice(s.drafts)
    body = json.dumps(
        {"summary": rng.choice(SUMMARIES), "check_overview": rng.randint(1, 5)}
    ).encode()
    headers = {**_token_headers(s), "Content-Type": "application/json"}
    path = f"/api/v1/citizens/{citizen}/meetings/{meeting}/minutes"
    return client.request("PUT", path, headers, body)[0]


def save_minutes_raw(cursor, s: Subject, rng) -> int:
    """The writes of saving minutes in one transaction: lock and update the row, one audit
    row."""
    from django.db import connection, transaction

    citizen, _meeting, minutes_id = rng.choice(s.drafts)
    now = datetime.datetime.now(datetime.UTC)
    lock = " FOR UPDATE" if connection.vendor == "postgresql" else ""
    with transaction.atomic():
        cursor.execute(
            f"SELECT id FROM meetings_minutes WHERE id = %(id)s{lock}", {"id": minutes_id}
        )
        cursor.execute(
            "UPDATE meetings_minutes SET summary = %(summary)s, check_overview = %(check)s, "
            "updated_at = %(now)s WHERE id = %(id)s",
            {
                "summary": rng.choice(SUMMARIES),
                "check": rng.randint(1, 5),
                "now": now,
                "id": minutes_id,
            },
        )
        _audit_update(cursor, s, now, citizen, "minutes", str(minutes_id))
    return 200


def audit_log_app(client, s: Subject, rng) -> int:
    c = s.audit_citizen
    return client.request("GET", f"/citizens/{c.uuid}/access-log/", _session_headers(s))[0]


def audit_log_raw(cursor, s: Subject, rng) -> int:
    params = {"citizen": _uuid_param(s.audit_citizen.uuid)}
    return _fetch(cursor, AUDIT_COUNT_SQL, params) + _fetch(cursor, AUDIT_PAGE_SQL, params)


# --- receiving CareCommunication ------------------------------------------------------------------


class Messages:
    """New CareCommunication messages from a GP clinic to the citizens' jobcenters, each with
    its own ids, built like the generator's (enplan's own builder, filled in per message)."""

    def __init__(self, seed: int = 9):
        from enplan.organisations.models import Organisation
        from enplan.synthetic import national

        self.template = national._BundleTemplate(1)
        self.rng = national.FastRandom(f"bench-messages/{seed}/{time.time_ns()}")
        self.national = national
        gp = (
            Organisation.objects.filter(uses_enplan=False)
            .exclude(sor_code="")
            .order_by("id")
            .first()
        )
        self.sender = national.Org(gp.id, "gp", gp.name, 0, gp.sor_code, gp.ean)
        # Receipt is for message integrations, not people: one bound to the bench's sender.
        from enplan.messaging.models import MessageIntegration

        _integration, key = MessageIntegration.issue(f"bench {time.time_ns()}", [gp.sor_code])
        self.headers = {"Authorization": f"Bearer {key}"}
        self.lock = threading.Lock()
        self._receivers: dict[str, national.Org] = {}

    def receiver(self, sor: str):
        from enplan.organisations.models import Organisation

        if sor not in self._receivers:
            org = Organisation.objects.get(sor_code=sor)
            self._receivers[sor] = self.national.Org(org.id, "jc", org.name, 0, sor, org.ean)
        return self._receivers[sor]

    def bundle(self, c: CitizenRef, receiver) -> tuple[bytes, str]:
        n = self.national
        with self.lock:
            ids = [n._uuid(self.rng.getrandbits(128)) for _ in range(4)]
        now = datetime.datetime.now(datetime.UTC).replace(microsecond=0).isoformat()
        text, _digest = self.template.fill(
            self.rng,
            bundle_id=ids[0],
            timestamp=now,
            sender=self.sender,
            receiver=receiver,
            cpr=c.cpr,
            family="Borger",
            given="Bench",
            comm_id=f"urn:uuid:{ids[1]}",
            category="carecoordination",
            topic="Benchmark",
            payloads=[
                {
                    "id": f"urn:uuid:{ids[2]}",
                    "ts": now,
                    "author": "Karin Lund",
                    "role": "Praktiserende læge",
                    "phone": "12 30 30 30",
                    "text": "Status efter konsultation: søvnen er bedre. Venlig hilsen",
                }
            ],
            history=[{"target": ids[3], "activity": "new-message"}],
        )
        return text.encode(), ids[3]


def receive_app(client, s: Subject, rng, messages: Messages | None = None) -> int:
    c = rng.choice(s.citizens)
    body, _header = messages.bundle(c, messages.receiver(c.jobcenter_sor))
    headers = {**messages.headers, "Content-Type": "application/fhir+json"}
    return client.request("POST", RECEIVE_PATH, headers, body)[0]


def receive_batch_app(client, s: Subject, rng, messages: Messages, size: int = 50):
    """`size` new messages in one FHIR batch: (HTTP status, messages accepted)."""
    bodies = []
    for _ in range(size):
        c = rng.choice(s.citizens)
        bodies.append(messages.bundle(c, messages.receiver(c.jobcenter_sor))[0])
    entries = b",".join(b'{"resource":' + b + b"}" for b in bodies)
    body = b'{"resourceType":"Bundle","type":"batch","entry":[' + entries + b"]}"
    headers = {**messages.headers, "Content-Type": "application/fhir+json"}
    status, content = client.request("POST", RECEIVE_BATCH_PATH, headers, body)
    if status != 200:
        return status, 0
    return status, sum(e["response"]["status"] == "200" for e in json.loads(content)["entry"])


def receive_raw(cursor, s: Subject, rng, messages: Messages | None = None) -> int:
    """What receiving stores, by hand, in one transaction: look up receiver, duplicate and
    citizen, then insert thread, message, segment, receipt and audit row."""
    from django.db import transaction

    c = rng.choice(s.citizens)
    body, header = messages.bundle(c, messages.receiver(c.jobcenter_sor))
    bundle = body.decode()
    now = datetime.datetime.now(datetime.UTC)
    with transaction.atomic():
        cursor.execute(
            "SELECT id FROM organisations_organisation WHERE sor_code = %(sor)s",
            {"sor": c.jobcenter_sor},
        )
        org = cursor.fetchone()[0]
        cursor.execute(
            "SELECT id FROM messaging_message WHERE organisation_id = %(org)s AND "
            "direction = 'in' AND header_id = %(h)s",
            {"org": org, "h": header},
        )
        cursor.fetchall()
        cursor.execute("SELECT id FROM citizens_citizen WHERE cpr = %(cpr)s", {"cpr": c.cpr})
        citizen = cursor.fetchone()[0]
        cursor.execute(
            """
            INSERT INTO messaging_thread (uuid, created_at, updated_at, organisation_id,
              citizen_id, municipality_code, communication_id, partner_id, category, topic,
              patient, patient_deceased, last_message_at, last_incoming_at, notification_kind,
              history)
            VALUES (%(uuid)s, %(now)s, %(now)s, %(org)s, %(citizen)s, '', %(comm)s,
              %(partner)s, 'carecoordination', 'Benchmark', '{}', false, %(now)s, %(now)s, '',
              '[]')
            RETURNING id
            """,
            {
                "uuid": _uuid_param(str(uuid.uuid4())),
                "now": now,
                "org": org,
                "citizen": citizen,
                "comm": f"urn:uuid:{uuid.uuid4()}",
                "partner": messages.sender.id,
            },
        )
        thread = cursor.fetchone()[0]
        cursor.execute(
            """
            INSERT INTO messaging_message (uuid, created_at, updated_at, thread_id,
              organisation_id, direction, activity, header_id, bundle_id, content_hash,
              previous_header_id, sender_sor, sender_ean, receiver_sor, receiver_ean, sent_at,
              state, ack_code, ack_detail, bundle)
            VALUES (%(uuid)s, %(now)s, %(now)s, %(thread)s, %(org)s, 'in', 'new-message',
              %(h)s, %(h)s, '', '', %(sender)s, '', %(receiver)s, '', %(now)s, 'received',
              'ok', '', %(bundle)s)
            RETURNING id
            """,
            {
                "uuid": _uuid_param(str(uuid.uuid4())),
                "now": now,
                "thread": thread,
                "org": org,
                "h": header,
                "sender": messages.sender.sor,
                "receiver": c.jobcenter_sor,
                "bundle": bundle,
            },
        )
        message = cursor.fetchone()[0]
        cursor.execute(
            """
            INSERT INTO messaging_segment (uuid, created_at, updated_at, thread_id, message_id,
              identifier, kind, timestamp, origin_id, from_partner, assigner_sor, author_name,
              author_role, author_phone, text, title, content_type, size, sha256, url)
            VALUES (%(uuid)s, %(now)s, %(now)s, %(thread)s, %(message)s, %(ident)s, 'text',
              %(now)s, %(org)s, true, '', 'Karin Lund', '', '', 'Status', '', '', 0, '', '')
            """,
            {
                "uuid": _uuid_param(str(uuid.uuid4())),
                "now": now,
                "thread": thread,
                "message": message,
                "ident": f"urn:uuid:{uuid.uuid4()}",
                "org": org,
            },
        )
        cursor.execute(
            """
            INSERT INTO messaging_receipt (received_at, channel, source, header_id, bundle_id,
              content_hash, organisation_id, sender_sor, outcome, reason, message_id,
              ack_header_id, ack_code)
            VALUES (%(now)s, 'bench', '', %(h)s, %(h)s, '', %(org)s, %(sender)s, 'accepted', '',
              %(message)s, %(ack)s, 'ok')
            """,
            {
                "now": now,
                "h": header,
                "org": org,
                "sender": messages.sender.sor,
                "message": message,
                "ack": str(uuid.uuid4()),
            },
        )
        cursor.execute(
            """
            INSERT INTO audit_auditentry (at, user_id, actor, actor_name, organisation, role,
              citizen_uuid, municipality_code, object_type, object_id, action, context, seal)
            VALUES (%(now)s, NULL, 'system', '', '', '', %(citizen)s, '', 'message', %(h)s,
              'create', '{"channel": "bench"}', '')
            """,
            {"now": now, "citizen": _uuid_param(c.uuid), "h": header},
        )
    return 201


_INSIGHTS_SESSIONS: dict[int, str] = {}


def _insights_session(s: Subject) -> str:
    """A manager of the subject's organisation (created once, with her insights mandate)."""
    if s.user_id not in _INSIGHTS_SESSIONS:
        from enplan.accounts.models import Role, User
        from enplan.insights.models import Mandate

        org_id = User.objects.get(pk=s.user_id).professional.organisation_id
        manager, _new = User.objects.get_or_create(
            username=f"bench-leder-{org_id}", defaults={"role": Role.MANAGER}
        )
        Mandate.objects.get_or_create(user=manager, defaults={"organisation_id": org_id})
        _INSIGHTS_SESSIONS[s.user_id] = _session_for(manager)
    return _INSIGHTS_SESSIONS[s.user_id]


def insights_app(client, s: Subject, rng) -> int:
    from django.conf import settings

    cookie = f"{settings.SESSION_COOKIE_NAME}={_insights_session(s)}"
    return client.request("GET", "/insights/", {"Cookie": cookie})[0]


# The start page's largest aggregate: citizens in a course by target group, for the citizens
# the organisation was in the network of during the last year.
INSIGHTS_SQL = """
SELECT c.target_group, COUNT(DISTINCT c.citizen_id)
FROM courses_course c
WHERE c.citizen_id IN (
  SELECT m.citizen_id FROM network_networkmembership m
  WHERE m.organisation_id = (SELECT organisation_id FROM organisations_professional
                             WHERE user_id = %(user)s)
    AND m.started_at < %(end)s AND (m.ended_at IS NULL OR m.ended_at >= %(start)s))
  AND c.starts_on <= %(end)s AND (c.ends_on IS NULL OR c.ends_on >= %(start)s)
GROUP BY c.target_group
"""


def insights_raw(cursor, s: Subject, rng) -> int:
    end = timezone.localdate()
    return _fetch(
        cursor,
        INSIGHTS_SQL,
        {"user": s.user_id, "start": end - datetime.timedelta(days=364), "end": end},
    )


@dataclass
class Path_:
    name: str
    app: Callable
    raw: Callable
    target: str = ""


PATHS = [
    Path_("caseload page (50 citizens)", caseload_app, caseload_raw, "page"),
    Path_("plan page", plan_page_app, plan_raw, "page"),
    Path_("plan JSON API", plan_api_app, plan_raw),
    Path_("FHIR CarePlan read", fhir_app, plan_raw),
    Path_("save a plan change (API)", save_app, save_raw),
    Path_("receive CareCommunication", receive_app, receive_raw),
    Path_("citizen's audit log page", audit_log_app, audit_log_raw),
    Path_("meeting page", meeting_page_app, meeting_raw, "page"),
    Path_("save minutes (API)", save_minutes_app, save_minutes_raw),
    # issue 15: target ≤ 500 ms median on the national dataset
    Path_("insights start page (manager)", insights_app, insights_raw, "page"),
]
MIX = {  # share of each path in the mixed load
    "caseload page (50 citizens)": 20,
    "plan page": 25,
    "plan JSON API": 12,
    "FHIR CarePlan read": 8,
    "save a plan change (API)": 10,
    "receive CareCommunication": 15,
    "citizen's audit log page": 10,
    # Not in the mixed load, whose shares were fixed with issue 5's figures: measured alone.
}


def _ok(status: int) -> bool:
    return 200 <= status < 300


# --- measuring ------------------------------------------------------------------------------------


def _stats(ms: list[float]) -> dict:
    ms = sorted(ms)
    return {
        "n": len(ms),
        "median_ms": round(statistics.median(ms), 2),
        "p95_ms": round(ms[min(len(ms) - 1, int(len(ms) * 0.95))], 2),
    }


def measure_path(path: Path_, client, subject: Subject, rounds: int, warmup: int, rng, **kw):
    """One client, one request at a time; then the raw SQL the same number of times."""
    from django.db import connection

    for _ in range(warmup):
        path.app(client, subject, rng, **kw)
    times, errors = [], 0
    started = time.perf_counter()
    for _ in range(rounds):
        t = time.perf_counter()
        status = path.app(client, subject, rng, **kw)
        times.append((time.perf_counter() - t) * 1000)
        errors += not _ok(status)
    elapsed = time.perf_counter() - started
    raw_times = []
    with connection.cursor() as cursor:
        for _ in range(warmup):
            path.raw(cursor, subject, rng, **kw)
        for _ in range(rounds):
            t = time.perf_counter()
            path.raw(cursor, subject, rng, **kw)
            raw_times.append((time.perf_counter() - t) * 1000)
    app, raw = _stats(times), _stats(raw_times)
    return {
        "path": path.name,
        **app,
        "req_per_s": round(rounds / elapsed, 1),
        "errors": errors,
        "raw_median_ms": raw["median_ms"],
        "raw_p95_ms": raw["p95_ms"],
        "app_over_raw": round(app["median_ms"] / raw["median_ms"], 1) if raw["median_ms"] else None,
    }


def load(
    make_client: Callable,
    subjects: list[Subject],
    weights: dict[str, int],
    seconds: float,
    messages: Messages | None,
    parallel: bool = True,
) -> dict:
    """Concurrent clients (one per subject), each sending requests back to back. Not
    parallel: one after the other in this thread (the test client shares its connection)."""
    by_name = {p.name: p for p in PATHS}
    names = list(weights)
    results: list[tuple[str, float, int]] = []
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def run(subject: Subject, seed: int) -> None:
        rng = random.Random(seed)
        client = make_client()
        mine = []
        while time.perf_counter() < stop:
            name = rng.choices(names, [weights[n] for n in names])[0]
            kw = {"messages": messages} if "receive" in name else {}
            t = time.perf_counter()
            try:
                status = by_name[name].app(client, subject, rng, **kw)
            except OSError:
                status = 599
            mine.append((name, (time.perf_counter() - t) * 1000, status))
        with lock:
            results.extend(mine)

    started = time.perf_counter()
    if not parallel:
        for i, s in enumerate(subjects):
            run(s, i)
    threads = [
        threading.Thread(target=run, args=(s, i), daemon=True)
        for i, s in enumerate(subjects)
        if parallel
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    per_path = {}
    for name in names:
        ms = [r[1] for r in results if r[0] == name]
        if ms:
            per_path[name] = {
                **_stats(ms),
                "errors": sum(1 for r in results if r[0] == name and not _ok(r[2])),
            }
    return {
        "clients": len(subjects),
        "seconds": round(elapsed, 1),
        "requests": len(results),
        "req_per_s": round(len(results) / elapsed, 1),
        "errors": sum(1 for r in results if not _ok(r[2])),
        **_stats([r[1] for r in results]),
        "paths": per_path,
    }


def batch_load(
    make_client: Callable,
    subjects: list[Subject],
    seconds: float,
    messages,
    size: int,
    parallel: bool = True,
) -> dict:
    """Concurrent clients, each posting batches of `size` new messages back to back (not
    parallel: one after the other in this thread, as `load`)."""
    results: list[tuple[float, int, int]] = []
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def run(subject: Subject, seed: int) -> None:
        rng, client, mine = random.Random(seed), make_client(), []
        while time.perf_counter() < stop:
            t = time.perf_counter()
            try:
                status, accepted = receive_batch_app(client, subject, rng, messages, size)
            except OSError:
                status, accepted = 599, 0
            mine.append(((time.perf_counter() - t) * 1000, status, accepted))
        with lock:
            results.extend(mine)

    threads = [
        threading.Thread(target=run, args=(s, i), daemon=True)
        for i, s in enumerate(subjects)
        if parallel
    ]
    started = time.perf_counter()
    if not parallel:
        for i, s in enumerate(subjects):
            run(s, i)
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    accepted = sum(r[2] for r in results)
    return {
        "clients": len(subjects),
        "batch_size": size,
        "seconds": round(elapsed, 1),
        "batches": len(results),
        "messages": accepted,
        "msg_per_s": round(accepted / elapsed, 1),
        "errors": sum(1 for r in results if r[1] != 200) + (len(results) * size - accepted),
        **_stats([r[0] for r in results] or [0.0]),
    }


def audit_cost(path: Path_, audited, unaudited, subject: Subject, rounds: int, rng) -> dict:
    """The same page from the normal server and the one without audit writes, interleaved
    so that drift hits both."""
    for client in (audited, unaudited, audited, unaudited):
        for _ in range(10):
            path.app(client, subject, rng)
    timings: dict[str, list[float]] = {"with": [], "without": []}
    for i in range(rounds * 2):
        key, client = ("with", audited) if i % 2 == 0 else ("without", unaudited)
        t = time.perf_counter()
        path.app(client, subject, rng)
        timings[key].append((time.perf_counter() - t) * 1000)
    with_, without = _stats(timings["with"]), _stats(timings["without"])
    return {
        "path": path.name,
        "with_audit_median_ms": with_["median_ms"],
        "without_audit_median_ms": without["median_ms"],
        "audit_adds_pct": round(100 * (with_["median_ms"] / without["median_ms"] - 1), 1),
    }


# --- gunicorn -----------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env() -> dict:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="enplan.settings.production",
        SECRET_KEY=env.get("SECRET_KEY") or secrets.token_urlsafe(40),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="0",  # plain HTTP on the loopback; TLS is the proxy's job
        PYTHONPATH=os.pathsep.join([str(ROOT / "src"), str(ROOT), env.get("PYTHONPATH", "")]),
    )
    return env


class Gunicorn:
    def __init__(self, app: str, workers: int, env: dict, threads: int = 1, reuse_port=False):
        self.port = _free_port()
        cmd = [
            str(Path(sys.executable).parent / "gunicorn"),
            app,
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--backlog",
            "256",
            "--log-level",
            "warning",
            "--timeout",
            "120",
        ] + (["--reuse-port"] if reuse_port else [])
        self.process = subprocess.Popen(cmd, env=env, cwd=ROOT, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                status, _ = HttpClient("127.0.0.1", self.port).request(
                    "GET", "/accounts/login/", {}
                )
                if status == 200:
                    return
            except OSError:
                time.sleep(0.2)
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn {app} exited with {self.process.returncode}")
        raise RuntimeError(f"gunicorn {app} did not answer")

    def client(self) -> HttpClient:
        return HttpClient("127.0.0.1", self.port)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)


# --- report --------------------------------------------------------------------------------------


def dataset_summary() -> dict:
    from django.db import connection

    tables = [
        "citizens_citizen",
        "organisations_professional",
        "organisations_organisation",
        "network_networkmembership",
        "plans_plan",
        "plans_goal",
        "plans_activity",
        "plans_planversion",
        "audit_auditentry",
        "messaging_thread",
        "messaging_message",
        "messaging_segment",
    ]
    out = {}
    with connection.cursor() as cursor:
        for table in tables:
            if connection.vendor == "postgresql":
                cursor.execute(f"SELECT reltuples::bigint FROM pg_class WHERE relname = '{table}'")
            else:
                cursor.execute(f"SELECT count(*) FROM {table}")
            out[table] = int(cursor.fetchone()[0])
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_database_size(current_database())")
            out["database_bytes"] = int(cursor.fetchone()[0])
    return out


def print_report(report: dict) -> None:
    print()
    print(f"dataset: {report['dataset']}")
    print(f"server: gunicorn, {report['workers']} sync workers; machine: {report['machine']}")
    print()
    head = (
        f"{'path (1 client)':32} {'median':>8} {'p95':>8} {'req/s':>7} {'raw SQL':>9} "
        f"{'app/raw':>8}"
    )
    print(head)
    print("-" * len(head))
    for r in report["single"]:
        print(
            f"{r['path']:32} {r['median_ms']:6.1f}ms {r['p95_ms']:6.1f}ms {r['req_per_s']:7.1f} "
            f"{r['raw_median_ms']:7.2f}ms {r['app_over_raw']!s:>7}x"
            + (f"  {r['errors']} errors" if r["errors"] else "")
        )
    for key, title in (("mixed", "mixed load"), ("receive_load", "message receipt")):
        m = report.get(key)
        if m:
            print()
            print(
                f"{title}, {m['clients']} clients, {m['seconds']} s: {m['req_per_s']} req/s, "
                f"median {m['median_ms']} ms, p95 {m['p95_ms']} ms, {m['errors']} errors"
            )
            for name, p in m["paths"].items():
                print(
                    f"  {name:32} n={p['n']:<6} median {p['median_ms']:6.1f} ms  "
                    f"p95 {p['p95_ms']:6.1f} ms  errors {p['errors']}"
                )
    b = report.get("receive_batch_load")
    if b:
        print()
        print(
            f"message receipt in batches of {b['batch_size']}, {b['clients']} clients, "
            f"{b['seconds']} s: {b['msg_per_s']} msg/s ({b['batches']} batches, median "
            f"{b['median_ms']} ms, p95 {b['p95_ms']} ms per batch), {b['errors']} errors"
        )
    for a in report.get("audit", []):
        print(
            f"audit cost, {a['path']}: {a['with_audit_median_ms']} ms with, "
            f"{a['without_audit_median_ms']} ms without: {a['audit_adds_pct']:+.1f} %"
        )


def _machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        "?",
    )
    mem = int(Path("/proc/meminfo").read_text().split()[1]) // 1024 // 1024
    return f"{os.cpu_count()} cores ({cpu}), {mem} GiB RAM"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=300, help="requests per path, 1 client")
    parser.add_argument("--warmup", type=int, default=100, help="requests before measuring")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=30, help="length of each load run")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=1, help="gunicorn threads per worker")
    parser.add_argument("--only", nargs="*", help="path names (substrings) to run")
    parser.add_argument("--no-load", action="store_true")
    parser.add_argument("--batch", type=int, default=50, help="messages per receive batch")
    parser.add_argument("--out", default=str(ROOT / "var" / "bench_national.json"))
    args = parser.parse_args()

    for key, value in server_env().items():
        os.environ.setdefault(key, value)
    os.environ["DJANGO_SETTINGS_MODULE"] = "enplan.settings.production"
    import django

    django.setup()
    env = {**server_env(), "SECRET_KEY": os.environ["SECRET_KEY"]}
    subjects = pick_subjects(args.clients)
    messages = Messages()
    report = {
        "when": timezone.localtime().isoformat(timespec="seconds"),
        "machine": _machine(),
        "workers": args.workers,
        "dataset": dataset_summary(),
        "single": [],
    }
    print(f"{len(subjects)} caseworkers, caseloads {[len(s.citizens) for s in subjects]}")
    server = Gunicorn("enplan.wsgi:application", args.workers, env, args.threads)
    # The same number of workers as the server it is compared with: with more workers a single
    # client's request waits a little longer for one of them to pick it up.
    quiet = Gunicorn("bench.noaudit_wsgi:application", args.workers, env, args.threads)
    try:
        client = server.client()
        probe = client.request("POST", RECEIVE_PATH, _token_headers(subjects[0]), b"{}")[0]
        has_receive = probe != 404
        if not has_receive:
            print(f"{RECEIVE_PATH} answers 404: the receive path is skipped.")
        rng = random.Random(1)
        for path in PATHS:
            if args.only and not any(o in path.name for o in args.only):
                continue
            kw = {}
            if "receive" in path.name:
                if not has_receive:
                    continue
                kw = {"messages": messages}
            r = measure_path(path, client, subjects[0], args.rounds, args.warmup, rng, **kw)
            report["single"].append(r)
            print(
                f"{r['path']:32} median {r['median_ms']:6.1f} ms  p95 {r['p95_ms']:6.1f} ms  "
                f"{r['req_per_s']:6.1f} req/s  raw {r['raw_median_ms']:.2f} ms  "
                f"x{r['app_over_raw']}  errors {r['errors']}"
            )
        report["audit"] = [
            audit_cost(p, client, quiet.client(), subjects[0], args.rounds, rng)
            for p in PATHS
            if p.target == "page" and (not args.only or any(o in p.name for o in args.only))
        ]
        if not args.no_load:
            weights = {k: v for k, v in MIX.items() if has_receive or "receive" not in k}
            report["mixed"] = load(server.client, subjects, weights, args.seconds, messages)
            if has_receive:
                report["receive_load"] = load(
                    server.client,
                    subjects,
                    {"receive CareCommunication": 1},
                    args.seconds,
                    messages,
                )
                report["receive_batch_load"] = batch_load(
                    server.client, subjects, args.seconds, messages, args.batch
                )
    finally:
        server.stop()
        quiet.stop()
    print_report(report)
    Path(args.out).parent.mkdir(exist_ok=True)
    Path(args.out).write_text(json.dumps(report, indent=2, ensure_ascii=False))
    print(f"\nwritten to {args.out}")


if __name__ == "__main__":
    main()
