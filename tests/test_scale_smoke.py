"""Small-scale smoke of the national dataset generator and of every benchmark path (issue 5).

The national-scale run and the benchmark are too slow for CI; this runs both at a few rows so
they cannot rot: the generator at tiny scale (COPY on PostgreSQL, bulk_create on SQLite), then
each benchmark path once through Django's test client and once as raw SQL. It also checks that
the generated rows are what the app itself would have written.
"""

import io
import json
import random

import pytest
from django.core.management import call_command
from django.db import connection

from bench import national as bench
from enplan.audit.sealing import verify
from enplan.messaging import fhir
from enplan.messaging.models import Message, Receipt, Thread
from enplan.plans.models import Plan
from enplan.plans.snapshots import snapshot

TODAY = "2026-11-23"


@pytest.fixture
def national(db):
    out = io.StringIO()
    call_command("generate_national", "--tiny", "--seed", "3", "--today", TODAY, stdout=out)
    return out.getvalue()


def test_generator_writes_what_the_app_would(national):
    assert "rows in" in national
    plans = list(Plan.objects.all())
    assert len(plans) == 120
    for plan in plans:
        last = plan.versions.order_by("-number").first()
        assert last.number == plan.version
        # The stored snapshot is exactly what the app computes from the rows.
        assert json.loads(json.dumps(snapshot(plan))) == last.snapshot
    assert verify().ok  # the audit chain is sealed as audit_seal would have sealed it
    for message in Message.objects.all():
        assert fhir.content_hash(message.bundle) == message.content_hash
        assert fhir.parse_bundle(message.bundle).header_id == message.header_id
    for receipt in Receipt.objects.all()[:20]:
        assert fhir.parse_ack(receipt.ack)[0] == receipt.header_id
    assert Thread.objects.filter(citizen__isnull=True).exists()  # triage inbox too
    _meetings_are_what_the_app_would_store()


def _meetings_are_what_the_app_would_store():
    from enplan.meetings.models import Decision, Meeting, Minutes, Status

    meetings = Meeting.objects.count()
    assert Meeting.objects.values("citizen").distinct().count() == 120  # one each at least
    # About two a citizen a year since the course began, plus most a meeting to come.
    assert 120 < meetings < 120 * 8
    assert Meeting.objects.filter(status=Status.PLANNED).exists()
    for minutes in Minutes.objects.select_related("meeting")[:50]:
        assert minutes.meeting.status == Status.HELD
        assert minutes.meeting.citizen_id == minutes.citizen_id
        assert 2 <= minutes.decisions.count() <= 3
    for decision in Decision.objects.select_related("responsible", "minutes__meeting")[:50]:
        # The responsible member is invited and in the citizen's network.
        assert decision.responsible.citizen_id == decision.citizen_id
        assert decision.minutes.meeting.participants.filter(
            membership=decision.responsible
        ).exists()


def test_generator_is_deterministic_and_refuses_to_overwrite(national):
    first = sorted(Plan.objects.values_list("uuid", "final_goal", "followup_at"))
    with pytest.raises(Exception, match="--replace"):
        call_command("generate_national", "--tiny", stdout=io.StringIO())
    call_command(
        "generate_national", "--tiny", "--seed", "3", "--today", TODAY, "--replace",
        stdout=io.StringIO(),
    )  # fmt: skip
    assert sorted(Plan.objects.values_list("uuid", "final_goal", "followup_at")) == first


def test_every_benchmark_path_once(national):
    subjects = bench.pick_subjects(2, min_caseload=1)
    assert subjects and all(s.citizens for s in subjects)
    client = bench.DjangoClient()
    rng = random.Random(1)
    messages = bench.Messages()
    has_receive = (
        client.request("POST", bench.RECEIVE_PATH, bench._token_headers(subjects[0]), b"{}")[0]
        != 404
    )
    for path in bench.PATHS:
        kw = {"messages": messages} if "receive" in path.name else {}
        if "receive" in path.name and not has_receive:
            continue
        status = path.app(client, subjects[0], rng, **kw)
        assert 200 <= status < 300, (path.name, status)
        with connection.cursor() as cursor:
            path.raw(cursor, subjects[0], rng, **kw)
    status, accepted = bench.receive_batch_app(client, subjects[0], rng, messages, size=5)
    assert (status, accepted) == (200, 5)
    batches = bench.batch_load(
        bench.DjangoClient, subjects[:1], 0.2, messages, size=3, parallel=False
    )
    assert batches["messages"] and not batches["errors"]
    result = bench.load(
        bench.DjangoClient,
        subjects[:1],
        {"plan page": 1, "save a plan change (API)": 1},
        0.3,
        messages,
        parallel=False,
    )
    assert result["requests"] and not result["errors"]
