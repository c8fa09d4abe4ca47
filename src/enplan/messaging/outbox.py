"""The transactional outbox and the delivery worker.

`enqueue` is called inside the transaction of the action that causes a message, so the
message exists exactly when the action does. `deliver` leases due entries (SELECT … FOR
UPDATE SKIP LOCKED on PostgreSQL, so several workers can run), sends each through its
transport and marks it sent. Delivery is at least once: a worker killed between sending and
marking leaves a lease that expires, and the entry is sent again with the same message id,
which receivers de-duplicate (MedCom reliable messaging), so nothing is lost or doubled.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import tempfile
from datetime import timedelta
from pathlib import Path

import requests
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from . import fhir
from .models import DeliveryState, Direction, Message, OutboxEntry, OutboxState

log = logging.getLogger("enplan.messaging")

BACKOFF_BASE_SECONDS = 5
BACKOFF_MAX_SECONDS = 3600


class TransportError(Exception):
    def __init__(self, reason: str, permanent: bool = False):
        super().__init__(reason)
        self.permanent = permanent


def _fields(*, kind: str, receiver_sor: str, bundle: dict, endpoint: str = "", message=None):
    return {
        "kind": kind,
        "receiver_sor": receiver_sor,
        "endpoint": endpoint,
        "message": message,
        "payload": json.dumps(bundle, ensure_ascii=False, separators=(",", ":")),
        "state": OutboxState.PENDING,
        "next_attempt_at": timezone.now(),
        "attempts": 0,
    }


def enqueue(*, header_id: str, new: bool = False, **what) -> OutboxEntry:
    """Queue a bundle for delivery (`what`: kind, receiver_sor, bundle, endpoint, message).
    Queuing a message id again (the original acknowledgement of a duplicate) sends the same
    content once more; `new` says the id was just made, so there is nothing to look for."""
    fields = _fields(**what)
    if not new and OutboxEntry.objects.filter(header_id=header_id).update(**fields):
        return OutboxEntry.objects.get(header_id=header_id)
    return OutboxEntry.objects.create(header_id=header_id, **fields)


def enqueue_new(entries: list[dict]) -> None:
    """Queue several bundles with ids just made (a batch's acknowledgements) in one
    statement; each dict holds `enqueue`'s arguments."""
    OutboxEntry.objects.bulk_create(
        [OutboxEntry(header_id=e.pop("header_id"), **_fields(**e)) for e in entries]
    )


# --- transports -----------------------------------------------------------------------------


class FolderTransport:
    """Writes each message as <folder>/<receiver SOR>/<message id>.json, atomically: a
    temporary file, flushed to disk, then renamed into place. Re-sending the same message
    replaces the file with the same content, so a folder is de-duplicated by name."""

    def __init__(self, folder: str):
        self.folder = Path(folder)

    def send(self, entry: OutboxEntry) -> None:
        target_dir = self.folder / entry.receiver_sor
        try:
            target_dir.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".", suffix=".tmp", dir=target_dir)
            with os.fdopen(fd, "wb") as fh:
                fh.write(entry.payload.encode())
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, target_dir / f"{entry.header_id}.json")
            dir_fd = os.open(target_dir, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
        except OSError as exc:
            raise TransportError(f"drop folder {target_dir}: {exc}") from exc


class HttpTransport:
    """POSTs the Bundle to the receiver's endpoint. 2xx is delivered (an Acknowledgement in
    the answer is applied at once); 408, 429 and 5xx are retried; other 4xx are final."""

    def __init__(self, url: str):
        self.url = url

    def send(self, entry: OutboxEntry) -> None:
        headers = {"Content-Type": entry.content_type, "Accept": "application/fhir+json"}
        if settings.ENPLAN_MESSAGE_HTTP_TOKEN:
            headers["Authorization"] = f"Bearer {settings.ENPLAN_MESSAGE_HTTP_TOKEN}"
        try:
            response = requests.post(
                self.url,
                data=entry.payload.encode(),
                headers=headers,
                timeout=settings.ENPLAN_MESSAGE_HTTP_TIMEOUT,
            )
        except requests.RequestException as exc:
            raise TransportError(f"{self.url}: {exc}") from exc
        if response.status_code >= 300:
            code = response.status_code
            permanent = 400 <= code < 500 and code not in (408, 429)
            raise TransportError(f"HTTP {code} from {self.url}", permanent)
        body = response.content
        self._apply_ack(body)

    @staticmethod
    def _apply_ack(body: bytes) -> None:
        try:
            parsed = fhir.parse_ack(json.loads(body))
        except (ValueError, AttributeError, fhir.MessageError):
            return
        if parsed:
            apply_ack(*parsed)


def apply_ack(header_id: str, code: str, reason: str = "", *, from_sor: str | None = None) -> int:
    """A partner's Acknowledgement of a message we sent: delivered, or not (with the
    reason). It belongs with the delivery state, which the outbox owns. `from_sor`: the
    acknowledging organisation, which must be the one the message went to."""
    sent = Message.objects.filter(direction=Direction.OUT, header_id=header_id)
    if from_sor is not None:
        sent = sent.filter(receiver_sor=from_sor)
    return sent.update(
        state=DeliveryState.ACKNOWLEDGED if code == "ok" else DeliveryState.FAILED,
        ack_code=code,
        ack_detail=reason[:500],
    )


def transport_for(entry: OutboxEntry):
    endpoint = entry.endpoint or settings.ENPLAN_MESSAGE_TRANSPORT
    if endpoint.startswith(("http://", "https://")):
        return HttpTransport(endpoint)
    return FolderTransport(endpoint)


# --- the worker -----------------------------------------------------------------------------


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def lease(batch: int, me: str) -> list[OutboxEntry]:
    now = timezone.now()
    with transaction.atomic():
        due = list(
            OutboxEntry.objects.select_for_update(skip_locked=True)
            .filter(state=OutboxState.PENDING, next_attempt_at__lte=now)
            .exclude(leased_until__gt=now)
            .order_by("next_attempt_at", "id")[:batch]
        )
        if due:
            OutboxEntry.objects.filter(pk__in=[e.pk for e in due]).update(
                leased_until=now + timedelta(seconds=settings.ENPLAN_MESSAGE_LEASE_SECONDS),
                leased_by=me,
            )
    return due


def deliver_one(entry: OutboxEntry) -> bool:
    try:
        transport_for(entry).send(entry)
    except TransportError as exc:
        _failed(entry, exc)
        return False
    now = timezone.now()
    OutboxEntry.objects.filter(pk=entry.pk).update(
        state=OutboxState.SENT,
        sent_at=now,
        leased_until=None,
        attempts=entry.attempts + 1,
        last_error="",
    )
    if entry.message_id:
        Message.objects.filter(pk=entry.message_id, state=DeliveryState.QUEUED).update(
            state=DeliveryState.SENT
        )
    log.info("delivered %s %s to %s", entry.kind, entry.header_id, entry.receiver_sor)
    return True


def _failed(entry: OutboxEntry, exc: TransportError) -> None:
    attempts = entry.attempts + 1
    dead = exc.permanent or attempts >= settings.ENPLAN_MESSAGE_MAX_ATTEMPTS
    delay = min(BACKOFF_BASE_SECONDS * 2 ** (attempts - 1), BACKOFF_MAX_SECONDS)
    OutboxEntry.objects.filter(pk=entry.pk).update(
        attempts=attempts,
        state=OutboxState.DEAD if dead else OutboxState.PENDING,
        next_attempt_at=timezone.now() + timedelta(seconds=delay),
        leased_until=None,
        last_error=str(exc)[:500],
    )
    if dead and entry.message_id:
        Message.objects.filter(pk=entry.message_id).update(
            state=DeliveryState.FAILED, ack_detail=str(exc)[:500]
        )
    log.warning(
        "delivery of %s failed (attempt %s%s): %s",
        entry.header_id,
        attempts,
        ", giving up" if dead else "",
        exc,
    )


def deliver(batch: int = 50, me: str | None = None) -> tuple[int, int]:
    """Deliver what is due now. Returns (sent, failed)."""
    me = me or worker_id()
    sent = failed = 0
    while True:
        entries = lease(batch, me)
        if not entries:
            return sent, failed
        for entry in entries:
            if deliver_one(entry):
                sent += 1
            else:
                failed += 1
