"""The worker (issue 16, point 1): one period gives one run, several real worker processes
never run one job twice, and a worker killed with SIGKILL mid-job loses nothing."""

import datetime
import itertools
import signal
import subprocess
import sys
import time
from collections import Counter

import pytest
from django.db import connection, transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from enplan.core import jobs
from enplan.messaging.models import OutboxEntry, OutboxState
from enplan.ops import worker as ops_worker
from enplan.ops.models import JobOutcome, JobSchedule, WorkerHeartbeat
from enplan.ops.tasks import run_job
from enplan.ops.worker import requeue_abandoned, schedule_due

from .ops_probe import probe
from .test_messaging_delivery import ROOT, Receiver, _wait, _worker_env, external, write  # noqa: F401


def only(**on: int) -> str:
    """A schedule with every registered job off but the named ones (a job added later by an
    app must not run in a test about another)."""
    from enplan.core import jobs

    return ",".join(f"{name}={on.get(name.replace('.', '__'), 0)}" for name in jobs.registered())


ONLY = only()


def needs_file_db():
    if connection.vendor == "sqlite" and connection.settings_dict["NAME"].startswith(
        ("file:memorydb", ":memory:")
    ):
        pytest.skip("needs a database file the worker processes can open")


def worker(env: dict, *args: str) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603 - our own manage.py
        [sys.executable, str(ROOT / "manage.py"), "worker", "--interval", "0.05", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def env(schedules: str = ONLY, **extra) -> dict:
    settings = {
        "ENPLAN_JOB_SCHEDULES": schedules,
        "ENPLAN_WORKER_HEARTBEAT_SECONDS": "0.2",
        "ENPLAN_WORKER_STALE_SECONDS": "1.5",
        **extra,
    }
    return _worker_env(**settings)


def stop(*procs: subprocess.Popen) -> list[str]:
    errors = []
    for p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)  # finishes the current job, then stops
    for p in procs:
        _, err = p.communicate(timeout=30)
        errors.append(err.decode())
    return errors


def runs_of(name: str):
    return [
        r for r in DBTaskResult.objects.order_by("enqueued_at") if r.args_kwargs["args"] == [name]
    ]


@pytest.mark.django_db
def test_a_job_is_registered_in_one_line_and_its_schedule_is_a_setting(settings):
    assert {"messaging.deliver", "audit.seal", "gdpr.retention", "ops.prune"} <= set(
        jobs.registered()
    )
    assert jobs.get("audit.seal").interval() == 60
    settings.ENPLAN_JOB_SCHEDULES = {"audit.seal": 7, "gdpr.retention": 0}
    ops_worker._known.clear()  # this test's database has no schedule rows yet
    assert jobs.get("audit.seal").interval() == 7
    enqueued = schedule_due()
    assert "audit.seal" in enqueued and "gdpr.retention" not in enqueued  # 0: switched off
    assert schedule_due() == []  # not due again before its period
    JobSchedule.objects.update(next_run_at=timezone.now())
    assert schedule_due() == []  # due, but the previous run has not finished: no pile-up
    assert len(runs_of("audit.seal")) == 1
    with pytest.raises(ValueError, match="already registered"):
        jobs.periodic("audit.seal", every=1)(lambda: None)


@pytest.mark.django_db
def test_retention_runs_as_a_dry_run_unless_configured_to_execute(settings):
    from enplan.audit.models import AuditEntry

    run_job.call("gdpr.retention")
    row = AuditEntry.objects.filter(object_type="retention_run").latest("id")
    assert row.context["execute"] is False and row.context["command"] == "apply_retention"
    assert JobOutcome.objects.get(job="gdpr.retention", outcome="succeeded").count == 1
    settings.ENPLAN_RETENTION_EXECUTE = True
    assert run_job.call("gdpr.retention")["execute"] is True
    row = AuditEntry.objects.filter(object_type="retention_run").latest("id")
    assert row.context["execute"] is True


@pytest.mark.django_db(transaction=True)
def test_two_workers_never_run_one_job_twice(tmp_path):
    needs_file_db()
    out = tmp_path / "runs.txt"
    a = worker(env(), "--worker-id", "worker-a")
    b = worker(env(), "--worker-id", "worker-b")
    try:
        _wait(lambda: WorkerHeartbeat.objects.count() == 2)
        with transaction.atomic():
            for n in range(60):
                probe.enqueue(n, str(out))
        _wait(lambda: DBTaskResult.objects.successful().count() == 60)
    finally:
        errors = stop(a, b)
    lines = [line.split() for line in out.read_text().splitlines()]
    runs = Counter(int(n) for n, _ in lines)
    assert sorted(runs) == list(range(60))
    assert set(runs.values()) == {1}, errors  # each ran exactly once ...
    assert len({pid for _, pid in lines}) == 2  # ... while both workers were taking work
    assert all(len(r.worker_ids) == 1 for r in DBTaskResult.objects.all())


@pytest.mark.django_db(transaction=True)
def test_two_workers_schedule_one_run_per_period():
    needs_file_db()
    schedules = only(audit__seal=1)
    # A slow machine must not make a busy worker look dead here: that is the next test.
    a = worker(env(schedules, ENPLAN_WORKER_STALE_SECONDS="30"))
    b = worker(env(schedules, ENPLAN_WORKER_STALE_SECONDS="30"))
    try:
        _wait(lambda: len(runs_of("audit.seal")) >= 4, timeout=60)
    finally:
        stop(a, b)
    runs = runs_of("audit.seal")
    slots = sorted(r.run_after for r in runs)  # the period each run was enqueued for
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(slots)]
    assert min(gaps) >= 1.0, gaps  # never two runs for one period
    assert all(len(r.worker_ids) == 1 for r in runs)


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_job_loses_nothing(caseworker, citizen, external):  # noqa: F811
    needs_file_db()
    receiver = Receiver(hold_at=6, delay=0.02)  # the 6th message is stored, then its answer hangs
    external.message_endpoint = receiver.url
    external.save()
    ids = {write(caseworker, citizen, external, text=f"Besked {i}").header_id for i in range(20)}
    schedules = only(messaging__deliver=1)
    try:
        first = worker(env(schedules), "--worker-id", "doomed")
        _wait(lambda: len(receiver.requests) >= 6)
        first.send_signal(signal.SIGKILL)  # in the middle of the delivery job
        first.wait(10)
        assert first.returncode == -signal.SIGKILL
        [run] = DBTaskResult.objects.running()
        assert run.worker_ids == ["doomed"] and run.args_kwargs["args"] == ["messaging.deliver"]
        assert OutboxEntry.objects.exclude(state=OutboxState.SENT).count() >= 14
        time.sleep(1.6)  # the dead worker's heartbeat goes stale, its outbox lease runs out
        second = worker(env(schedules), "--once", "--worker-id", "rescuer")
        _, err = second.communicate(timeout=120)
        assert second.returncode == 0, err.decode()
    finally:
        receiver.close()
    run.refresh_from_db()
    assert run.status == "SUCCESSFUL" and run.worker_ids == ["doomed", "rescuer"]  # run again
    assert JobOutcome.objects.get(job="messaging.deliver", outcome="requeued").count == 1
    assert OutboxEntry.objects.filter(state=OutboxState.SENT).count() == 20  # nothing lost
    assert set(receiver.stored) == ids and len(receiver.stored) == 20


@pytest.mark.django_db
def test_a_run_of_a_live_worker_is_not_taken_from_it(settings):
    settings.ENPLAN_WORKER_STALE_SECONDS = 60
    result = run_job.enqueue("audit.seal")
    long_ago = timezone.now() - datetime.timedelta(minutes=10)
    DBTaskResult.objects.filter(pk=result.id).update(
        status="RUNNING", started_at=long_ago, worker_ids=["busy"]
    )
    WorkerHeartbeat.objects.create(
        worker_id="busy", host="h", pid=1, started_at=long_ago, beat_at=timezone.now()
    )
    assert requeue_abandoned() == 0  # a long job, but its worker still beats
    WorkerHeartbeat.objects.filter(worker_id="busy").update(beat_at=long_ago)
    assert requeue_abandoned() == 1
    assert DBTaskResult.objects.get(pk=result.id).status == "READY"


@pytest.mark.django_db
def test_the_jobs_command_lists_intervals_and_outcomes(settings):
    from io import StringIO

    from django.core.management import call_command

    settings.ENPLAN_JOB_SCHEDULES = {"gdpr.retention": 0}
    run_job.call("audit.seal")
    out = StringIO()
    call_command("jobs", stdout=out)
    lines = {line.split()[0]: line for line in out.getvalue().splitlines()}
    assert "every 60 s" in lines["audit.seal"] and "succeeded 1" in lines["audit.seal"]
    assert " off " in lines["gdpr.retention"] and "never run" in lines["gdpr.retention"]


@pytest.mark.django_db(transaction=True)
def test_readyz_follows_a_real_worker_starting_and_stopping(client, settings):
    needs_file_db()
    from enplan.audit.sealing import seal_all

    settings.ENPLAN_WORKER_STALE_SECONDS = 1.5
    seal_all(datetime.timedelta(0))

    def worker_check() -> dict:
        return client.get("/readyz").json()["checks"]["worker"]

    assert worker_check()["ok"] is False
    proc = worker(env())
    try:
        _wait(lambda: worker_check()["ok"])
        assert client.get("/readyz").status_code == 200
    finally:
        stop(proc)
    _wait(lambda: not worker_check()["ok"], timeout=10)
    response = client.get("/readyz")
    assert response.status_code == 503 and "no worker heartbeat" in response.json()["why"][0]
