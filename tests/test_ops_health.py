"""Health, readiness, metrics and the request id (issue 16, point 2)."""

import datetime
import io
import json
import logging

import pytest
from django.utils import timezone

from enplan.audit.models import AuditEntry
from enplan.audit.sealing import seal_all
from enplan.core.request_id import RequestIdFilter
from enplan.messaging.models import OutboxEntry
from enplan.ops.models import WorkerHeartbeat
from enplan.ops.tasks import run_job

from .test_messaging_delivery import external, write  # noqa: F401 - the fixture is used

pytestmark = pytest.mark.django_db


def beat(seconds_ago: float = 0) -> None:
    now = timezone.now()
    WorkerHeartbeat.objects.update_or_create(
        worker_id="w1",
        defaults={
            "host": "h",
            "pid": 1,
            "started_at": now - datetime.timedelta(hours=1),
            "beat_at": now - datetime.timedelta(seconds=seconds_ago),
        },
    )


def ready(client):
    seal_all(datetime.timedelta(0))
    response = client.get("/readyz")
    return response.status_code, response.json()


def test_healthz_answers_without_a_log_in(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "alive"}


def test_readyz_is_ready_with_a_fresh_worker_and_says_why_when_the_worker_stops(client):
    beat(seconds_ago=1)
    status, body = ready(client)
    assert status == 200, body
    assert body["status"] == "ready" and body["why"] == []
    assert body["checks"]["migrations"] == {"ok": True, "pending": 0}

    beat(seconds_ago=300)  # the worker stopped five minutes ago
    status, body = ready(client)
    assert status == 503 and body["status"] == "not ready"
    assert body["checks"]["worker"]["ok"] is False
    assert body["why"] == [
        "no worker heartbeat for 300 s (limit 60 s): is `enplan worker` running?"
    ]

    WorkerHeartbeat.objects.all().delete()
    status, body = ready(client)
    assert status == 503 and "no worker has ever reported" in body["why"][0]


def test_readyz_turns_unready_when_the_outbox_backlog_grows(
    client,
    settings,
    caseworker,
    citizen,
    external,  # noqa: F811
):
    settings.ENPLAN_READY_OUTBOX_MAX = 2
    beat()
    write(caseworker, citizen, external)
    write(caseworker, citizen, external)
    assert ready(client)[0] == 200
    write(caseworker, citizen, external)
    status, body = ready(client)
    assert status == 503
    assert body["why"] == ["outbox backlog over 2 messages"]
    assert body["checks"]["outbox"]["pending"] == 3
    # Nothing about the person behind the messages.
    raw = json.dumps(body)
    assert citizen.cpr not in raw and str(citizen.uuid) not in raw and "Anna" not in raw

    settings.ENPLAN_READY_OUTBOX_MAX = 100
    settings.ENPLAN_READY_OUTBOX_MAX_AGE = 60
    OutboxEntry.objects.update(created_at=timezone.now() - datetime.timedelta(minutes=10))
    status, body = ready(client)
    assert status == 503 and body["why"][0].startswith("oldest unsent message waits 6")


def test_readyz_reports_an_unsealed_audit_log(client, settings):
    beat()
    settings.ENPLAN_READY_SEAL_LAG_MAX = 60
    seal_all(datetime.timedelta(0))
    AuditEntry.objects.create(
        at=timezone.now() - datetime.timedelta(minutes=5), actor="x", object_type="t", action="read"
    )
    body = client.get("/readyz").json()
    assert body["checks"]["audit_seal"]["ok"] is False
    assert body["why"] == [body["checks"]["audit_seal"]["why"]]
    assert "audit log unsealed for 300 s" in body["why"][0]


def test_metrics_refuse_without_the_token_and_answer_with_it(
    client, client_for, settings, caseworker, citizen
):
    settings.ENPLAN_METRICS_TOKEN = "s3cret-metrics-token"
    settings.ENPLAN_METRICS_ALLOW = []
    client_for(caseworker).get(f"/citizens/{citizen.uuid}/plan/")
    client.logout()
    run_job.call("audit.seal")
    refused = client.get("/metrics")
    assert refused.status_code == 401 and refused["WWW-Authenticate"].startswith("Bearer")
    wrong = client.get("/metrics", headers={"Authorization": "Bearer guess"})
    assert wrong.status_code == 403
    response = client.get("/metrics", headers={"Authorization": "Bearer s3cret-metrics-token"})
    assert response.status_code == 200
    text = response.content.decode()
    for name in (
        "enplan_http_request_duration_seconds_bucket",
        "enplan_outbox_pending",
        "enplan_outbox_oldest_pending_age_seconds",
        "enplan_audit_seal_lag_seconds",
        "enplan_workers_alive",
        'enplan_worker_jobs_total{job="audit.seal",outcome="succeeded"} 1.0',
    ):
        assert name in text
    # Latency by route pattern: no ids in the labels.
    assert 'route="citizens/<uuid:pk>/plan/"' in text or "citizens/<uuid:" in text
    assert str(citizen.uuid) not in text and citizen.cpr not in text


def test_metrics_are_off_unless_configured_and_open_to_an_allowed_range(client, settings):
    settings.ENPLAN_METRICS_TOKEN = ""
    settings.ENPLAN_METRICS_ALLOW = []
    assert client.get("/metrics").status_code == 403
    settings.ENPLAN_METRICS_ALLOW = ["10.0.0.0/8"]
    assert client.get("/metrics", REMOTE_ADDR="192.168.1.5").status_code == 403
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200


def test_a_log_line_is_json_with_the_request_id(client):
    handler = next(
        h
        for h in logging.getLogger().handlers
        if h.filters and any(isinstance(f, RequestIdFilter) for f in h.filters)
    )
    stream = io.StringIO()
    old = handler.setStream(stream)
    try:
        response = client.get("/no-such-page/", headers={"X-Request-ID": "req-abc-12345678"})
    finally:
        handler.setStream(old)
    assert response.status_code == 404 and response["X-Request-ID"] == "req-abc-12345678"
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert any(
        line["request_id"] == "req-abc-12345678" and line["level"] == "WARNING" for line in lines
    ), lines


def test_the_audit_row_carries_the_request_id(client_for, caseworker, citizen):
    client = client_for(caseworker)
    client.get(f"/citizens/{citizen.uuid}/plan/", headers={"X-Request-ID": "trace-0001-plan"})
    entry = AuditEntry.objects.filter(citizen_uuid=citizen.uuid).order_by("-id").first()
    assert entry.context["request_id"] == "trace-0001-plan"
    # A header that is not a sane id is replaced by one made here.
    response = client.get(f"/citizens/{citizen.uuid}/", headers={"X-Request-ID": "a b\nc"})
    made = response["X-Request-ID"]
    assert made != "a b\nc" and len(made) == 32
    entry = AuditEntry.objects.filter(citizen_uuid=citizen.uuid).order_by("-id").first()
    assert entry.context["request_id"] == made
