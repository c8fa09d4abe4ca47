"""Prometheus metrics (prometheus-client).

Request latency is measured in each web process; under gunicorn (`enplan serve`) the
processes share it through prometheus-client's multiprocess mode (PROMETHEUS_MULTIPROC_DIR).
Everything about the data – outbox, receipts, audit sealing, worker jobs – is read from the
database at scrape time, so it is the same whichever process answers and needs no worker to
push anything. Labels carry the URL route pattern (`citizens/<uuid:pk>/plan/`), never a path
with ids or a CPR number in it.
"""

from __future__ import annotations

import ipaddress
import os
import time
from collections.abc import Callable, Iterator

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.crypto import constant_time_compare
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from . import health

REQUEST_SECONDS = Histogram(
    "enplan_http_request_duration_seconds",
    "Time to answer a request, by URL route, method and status code.",
    ["route", "method", "status"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)


def route_of(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    if match is not None and match.route:
        return match.route[:200]
    if request.path.startswith(settings.STATIC_URL or "/static/"):
        return "static"
    return "unmatched"


class MetricsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        start = time.perf_counter()
        response = self.get_response(request)
        REQUEST_SECONDS.labels(
            route_of(request), request.method, str(response.status_code)
        ).observe(time.perf_counter() - start)
        return response


class DatabaseCollector(Collector):
    """The data's gauges and counters, read when Prometheus scrapes."""

    def collect(self) -> Iterator:
        backlog = health.outbox_backlog()
        yield GaugeMetricFamily(
            "enplan_outbox_pending", "Messages waiting in the outbox.", value=backlog.pending
        )
        yield GaugeMetricFamily(
            "enplan_outbox_oldest_pending_age_seconds",
            "Age of the oldest message waiting in the outbox (0 when none waits).",
            value=backlog.oldest_age or 0.0,
        )
        yield GaugeMetricFamily(
            "enplan_outbox_dead", "Messages given up after all attempts.", value=backlog.dead
        )
        receipts = CounterMetricFamily(
            "enplan_receipts", "Received messages by outcome.", labels=["outcome"]
        )
        for outcome, n in sorted(health.receipts_by_outcome().items()):
            receipts.add_metric([outcome], n)
        yield receipts
        yield GaugeMetricFamily(
            "enplan_audit_seal_lag_seconds",
            "Age of the oldest audit entry not yet sealed (0 when all are sealed).",
            value=health.seal_lag(),
        )
        jobs = CounterMetricFamily(
            "enplan_worker_jobs", "Worker job runs by job and outcome.", labels=["job", "outcome"]
        )
        for job, outcome, n in sorted(health.job_outcomes()):
            jobs.add_metric([job, outcome], n)
        yield jobs
        yield GaugeMetricFamily(
            "enplan_workers_alive", "Workers with a fresh heartbeat.", value=health.workers_alive()
        )
        age = health.worker_heartbeat_age()
        yield GaugeMetricFamily(
            "enplan_worker_heartbeat_age_seconds",
            "Seconds since the newest worker heartbeat (-1: never).",
            value=-1 if age is None else age,
        )


def exposition() -> bytes:
    database = CollectorRegistry(auto_describe=False)
    database.register(DatabaseCollector())
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        processes = CollectorRegistry()
        multiprocess.MultiProcessCollector(processes)
        return generate_latest(processes) + generate_latest(database)
    return generate_latest(REGISTRY) + generate_latest(database)


def allowed(request: HttpRequest) -> tuple[bool, int, str]:
    """(allowed, status if not, why)."""
    token = settings.ENPLAN_METRICS_TOKEN
    header = request.headers.get("Authorization", "")
    if token and header.startswith("Bearer "):
        if constant_time_compare(header.removeprefix("Bearer ").strip(), token):
            return True, 200, ""
        return False, 403, "wrong metrics token"
    try:
        client = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        client = None
    for network in settings.ENPLAN_METRICS_ALLOW:
        if client is not None and client in ipaddress.ip_network(network, strict=False):
            return True, 200, ""
    if not token and not settings.ENPLAN_METRICS_ALLOW:
        return False, 403, "metrics are off: set ENPLAN_METRICS_TOKEN or ENPLAN_METRICS_ALLOW"
    if token:
        return False, 401, "send Authorization: Bearer <ENPLAN_METRICS_TOKEN>"
    return False, 403, "this address may not read the metrics (ENPLAN_METRICS_ALLOW)"


CONTENT_TYPE = CONTENT_TYPE_LATEST
