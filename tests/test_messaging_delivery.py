"""Delivery without loss: the transactional outbox, both transports and a worker killed with
a signal in the middle of sending."""

import json
import os
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.utils import timezone

from enplan.consent.models import Category, Consent
from enplan.consent.services import give
from enplan.messaging import sending
from enplan.messaging.models import DeliveryState, Message, OutboxEntry, OutboxState
from enplan.messaging.outbox import deliver
from enplan.network.models import NetworkRole
from enplan.network.services import add_member
from enplan.organisations.models import Sector

from .conftest import make_org

ROOT = Path(__file__).resolve().parent.parent


class Receiver:
    """A partner's HTTP endpoint that de-duplicates by message id, as MedCom receivers do.
    `hold` makes the n-th request wait (after storing the message) before it answers."""

    def __init__(self, status=200, hold_at=None, delay=0.0):
        self.requests: list[str] = []
        self.stored: dict[str, bytes] = {}
        self.statuses = list(status) if isinstance(status, list) else None
        self.status = status if not isinstance(status, list) else 200
        self.hold_at, self.delay = hold_at, delay
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                message_id = json.loads(body)["entry"][0]["resource"]["id"]
                with outer.lock:
                    outer.requests.append(message_id)
                    n = len(outer.requests)
                    status = outer.statuses.pop(0) if outer.statuses else outer.status
                    if status == 200:
                        outer.stored.setdefault(message_id, body)
                if n == outer.hold_at:
                    time.sleep(30)
                time.sleep(outer.delay)
                self.send_response(status)
                self.send_header("Content-Type", "application/fhir+json")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/receive"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


@pytest.fixture
def external(citizen, caseworker):
    """A clinic outside enplan, in the citizen's network, with consent to messages."""
    clinic = make_org("Klinik Udenfor", Sector.TRAUMA_CLINIC, "900000000000077")
    clinic.uses_enplan = False
    clinic.save()
    add_member(citizen, caseworker.user, role=NetworkRole.TREATMENT, organisation=clinic)
    give(
        citizen,
        caseworker.user,
        Consent(
            source_organisation=caseworker.organisation,
            recipient_organisation=clinic,
            categories=[Category.MESSAGES],
            purpose="Samarbejde",
            valid_from=timezone.localdate(),
            given_how="written",
        ),
    )
    return clinic


def write(caseworker, citizen, clinic, text="Hej"):
    return sending.compose(
        caseworker.user,
        citizen,
        partner=clinic,
        category="carecoordination",
        topic="",
        text=text,
    )


def test_the_outbox_row_is_written_in_the_same_transaction_as_the_message(
    caseworker, citizen, external
):
    with pytest.raises(RuntimeError), transaction.atomic():
        write(caseworker, citizen, external)
        assert OutboxEntry.objects.count() == 1
        raise RuntimeError("the action fails after the message was written")
    assert (Message.objects.count(), OutboxEntry.objects.count()) == (0, 0)
    message = write(caseworker, citizen, external)
    entry = OutboxEntry.objects.get()
    assert (entry.message, entry.header_id, entry.receiver_sor) == (
        message,
        message.header_id,
        "900000000000077",
    )
    assert message.state == DeliveryState.QUEUED


def test_folder_transport_writes_atomically_and_marks_sent(
    caseworker, citizen, external, tmp_path, settings
):
    settings.ENPLAN_MESSAGE_TRANSPORT = str(tmp_path)
    message = write(caseworker, citizen, external)
    assert deliver() == (1, 0)
    files = list((tmp_path / external.sor_code).iterdir())
    assert [f.name for f in files] == [f"{message.header_id}.json"]
    bundle = json.loads(files[0].read_bytes())
    assert bundle["entry"][0]["resource"]["id"] == message.header_id
    message.refresh_from_db()
    assert message.state == DeliveryState.SENT
    assert OutboxEntry.objects.get().state == OutboxState.SENT
    assert deliver() == (0, 0)  # nothing is sent twice


def test_http_transport_retries_with_backoff_then_delivers(caseworker, citizen, external):
    receiver = Receiver(status=[503, 200])
    external.message_endpoint = receiver.url
    external.save()
    try:
        message = write(caseworker, citizen, external)
        assert deliver() == (0, 1)
        entry = OutboxEntry.objects.get()
        assert entry.state == OutboxState.PENDING and entry.attempts == 1
        assert entry.next_attempt_at > timezone.now()  # backing off
        assert "HTTP 503" in entry.last_error
        assert deliver() == (0, 0)  # not due yet
        OutboxEntry.objects.update(next_attempt_at=timezone.now())
        assert deliver() == (1, 0)
        assert list(receiver.stored) == [message.header_id]
    finally:
        receiver.close()


def test_http_transport_gives_up_on_a_permanent_refusal(caseworker, citizen, external):
    receiver = Receiver(status=400)
    external.message_endpoint = receiver.url
    external.save()
    try:
        message = write(caseworker, citizen, external)
        assert deliver() == (0, 1)
        assert OutboxEntry.objects.get().state == OutboxState.DEAD
        message.refresh_from_db()
        assert message.state == DeliveryState.FAILED and "HTTP 400" in message.ack_detail
    finally:
        receiver.close()


def test_an_acknowledgement_from_the_partner_marks_the_message_delivered(
    caseworker, citizen, external
):
    from enplan.messaging import fhir
    from enplan.messaging.receiving import receive

    message = write(caseworker, citizen, external)
    for code, state in (("ok", DeliveryState.ACKNOWLEDGED), ("fatal-error", DeliveryState.FAILED)):
        ack = fhir.build_ack(
            responding_to=message.header_id,
            ours=fhir.OrgRef(external.sor_code),
            theirs=fhir.OrgRef(caseworker.organisation.sor_code),
            code=code,
            reason="Ukendt patient" if code != "ok" else "",
            when="2026-11-23T10:00:00+01:00",
        )
        assert receive(fhir.to_json(ack), channel="test").outcome == "accepted"
        message.refresh_from_db()
        assert message.state == state
    assert message.ack_detail == "Ukendt patient"


def test_only_the_receiver_can_acknowledge_a_message(caseworker, citizen, external):
    """An integration that speaks for another partner cannot settle this delivery."""
    from enplan.messaging import fhir
    from enplan.messaging.models import MessageIntegration
    from enplan.messaging.receiving import receive

    message = write(caseworker, citizen, external)
    other = "900000000000088"
    integration, _key = MessageIntegration.issue("another partner", [other])
    ack = fhir.build_ack(
        responding_to=message.header_id,
        ours=fhir.OrgRef(other),
        theirs=fhir.OrgRef(caseworker.organisation.sor_code),
        code="ok",
        when="2026-11-23T10:00:00+01:00",
    )
    result = receive(fhir.to_json(ack), channel="test", integration=integration)
    assert result.outcome == "rejected"
    message.refresh_from_db()
    assert message.state != DeliveryState.ACKNOWLEDGED
    forged = fhir.build_ack(
        responding_to=message.header_id,
        ours=fhir.OrgRef(external.sor_code),
        theirs=fhir.OrgRef(caseworker.organisation.sor_code),
        code="ok",
        when="2026-11-23T10:00:00+01:00",
    )
    assert receive(fhir.to_json(forged), channel="test", integration=integration).http_status == 403
    message.refresh_from_db()
    assert message.state != DeliveryState.ACKNOWLEDGED


# --- a real worker process, killed with SIGKILL ---------------------------------------------


def _worker_env(**extra) -> dict:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        url = f"sqlite:///{db['NAME']}"
    else:
        url = f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "enplan.settings.test",
        "DATABASE_URL": url,
        "ENPLAN_MESSAGE_LEASE_SECONDS": "1",
        **extra,
    }


def _worker(env, *args) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603 - our own manage.py
        [
            sys.executable,
            str(ROOT / "manage.py"),
            "deliver_messages",
            "--interval",
            "0.05",
            "--batch",
            "3",
            *args,
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def _wait(condition, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError("timed out")


@pytest.mark.django_db(transaction=True)
def test_worker_killed_mid_send_loses_nothing_and_sends_nothing_twice(
    caseworker, citizen, external
):
    if connection.vendor == "sqlite" and connection.settings_dict["NAME"].startswith(
        ("file:memorydb", ":memory:")
    ):
        pytest.skip("needs a database file the worker process can open")
    receiver = Receiver(hold_at=6, delay=0.02)  # the 6th request is stored, then hangs
    external.message_endpoint = receiver.url
    external.save()
    ids = {write(caseworker, citizen, external, text=f"Besked {i}").header_id for i in range(20)}
    try:
        first = _worker(_worker_env())
        _wait(lambda: len(receiver.requests) >= 6)
        first.send_signal(signal.SIGKILL)  # while it waits for the 6th answer
        first.wait(10)
        assert first.returncode == -signal.SIGKILL
        pending = OutboxEntry.objects.exclude(state=OutboxState.SENT).count()
        assert pending >= 15  # the 6th and the rest were not marked sent
        time.sleep(1.2)  # the dead worker's lease runs out
        second = _worker(_worker_env(), "--once")
        out, err = second.communicate(timeout=120)
        assert second.returncode == 0, err.decode()
    finally:
        receiver.close()
    assert OutboxEntry.objects.filter(state=OutboxState.SENT).count() == 20  # nothing lost
    assert set(receiver.stored) == ids  # every message arrived ...
    assert len(receiver.stored) == 20  # ... once, after de-duplication by message id
    assert len(receiver.requests) > 20  # the interrupted one really was sent again


@pytest.mark.django_db(transaction=True)
def test_folder_worker_killed_mid_run_leaves_complete_files_only(
    caseworker, citizen, external, tmp_path
):
    if connection.vendor == "sqlite" and connection.settings_dict["NAME"].startswith(
        ("file:memorydb", ":memory:")
    ):
        pytest.skip("needs a database file the worker process can open")
    ids = {write(caseworker, citizen, external, text="x" * 5000).header_id for i in range(40)}
    env = _worker_env(ENPLAN_MESSAGE_TRANSPORT=str(tmp_path))
    folder = tmp_path / external.sor_code
    first = _worker(env)
    _wait(lambda: folder.exists() and len(list(folder.glob("*.json"))) >= 3)
    first.send_signal(signal.SIGKILL)
    first.wait(10)
    time.sleep(1.2)
    second = _worker(env, "--once")
    out, err = second.communicate(timeout=120)
    assert second.returncode == 0, err.decode()
    delivered = {p.stem for p in folder.glob("*.json")}
    assert delivered == ids
    for path in folder.glob("*.json"):  # every file complete: never half-written
        assert json.loads(path.read_bytes())["entry"][0]["resource"]["id"] == path.stem
    assert OutboxEntry.objects.filter(state=OutboxState.SENT).count() == 40
