"""Messaging over the API: receiving CareCommunication (the HTTP transport's endpoint, for
message integrations only) and reading a citizen's message threads."""

from uuid import UUID

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from ninja import Router

from enplan.audit.models import Action
from enplan.audit.services import record
from enplan.citizens.access import get_visible_citizen
from enplan.consent.policy import for_viewer
from enplan.core.actions import performs
from enplan.messaging import fhir
from enplan.messaging.actions import RECEIVE
from enplan.messaging.fhir import MessageError, to_json
from enplan.messaging.models import Thread
from enplan.messaging.receiving import Incoming, receive, receive_many, refuse_unread
from enplan.messaging.views import _thread

from . import schemas as s
from .auth import INTEGRATION_AUTH

messaging = Router(tags=["messaging"])

READ_CHUNK = 1 << 16
ACK = {"application/fhir+json": {"schema": {"type": "object"}}}  # a MedCom Acknowledgement
ERROR = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
ACK_RESPONSES = {
    200: {"description": "Accepted or a duplicate: a positive Acknowledgement", "content": ACK},
    401: {
        "description": "No valid message-integration key (personal tokens are refused)",
        "content": ERROR,
    },
    403: {"description": "The sender is not the integration's: negative ack", "content": ACK},
    413: {"description": "Past ENPLAN_MESSAGE_MAX_BYTES: a negative ack", "content": ACK},
    415: {"description": "Neither FHIR JSON nor XML: a negative ack", "content": ACK},
    422: {"description": "Refused, with the reason: a negative ack", "content": ACK},
}


def read_body(request, limit: int) -> bytes:
    """The request body, refused (413) past `limit` bytes. Read here in chunks rather than
    through `request.body`, whose DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB) would refuse a
    message our documented limit accepts; a declared length past the limit is refused
    before anything is read."""
    too_large = MessageError(
        str(_("The body is too large: at most %(limit)s bytes are accepted.") % {"limit": limit}),
        "too-costly",
        http_status=413,
    )
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        raise too_large
    chunks, size = [], 0
    while chunk := request.read(READ_CHUNK):
        size += len(chunk)
        if size > limit:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


def _ack_response(result) -> HttpResponse:
    response = HttpResponse(
        to_json(result.ack) if result.ack else b"{}",
        status=result.http_status,
        content_type="application/fhir+json",
    )
    response["X-Enplan-Outcome"] = str(result.outcome)
    return response


@messaging.post(
    "/messaging/receive",
    auth=INTEGRATION_AUTH,
    summary="Receive a MedCom CareCommunication (or an Acknowledgement)",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/fhir+json": {"schema": {"type": "object"}},
                "application/fhir+xml": {"schema": {"type": "string"}},
            },
        },
        "responses": ACK_RESPONSES,
    },
)
@performs(RECEIVE)
def receive_message(request):
    """For message integrations only (a VANS/mailbox adapter or a partner system, with the
    key of `manage.py create_message_integration`). The body is a FHIR message Bundle in
    JSON or XML, at most ENPLAN_MESSAGE_MAX_BYTES. The answer is always the MedCom
    Acknowledgement Bundle; the status says whether the message was accepted."""
    integration = request.integration
    source = request.META.get("REMOTE_ADDR", "")
    try:
        body = read_body(request, settings.ENPLAN_MESSAGE_MAX_BYTES)
    except MessageError as exc:
        result = refuse_unread(exc, channel="api", source=source, integration=integration)
    else:
        result = receive(
            body,
            request.content_type or "",
            channel="api",
            source=source,
            integration=integration,
        )
    return _ack_response(result)


@messaging.post(
    "/messaging/receive-batch",
    auth=INTEGRATION_AUTH,
    summary="Receive several CareCommunication messages at once (a FHIR batch)",
    response={
        200: dict[str, object],
        401: s.Error,
        413: s.Error,
        415: s.Error,
        422: s.Error,
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/fhir+json": {"schema": {"type": "object"}}},
        },
    },
)
@performs(RECEIVE)
def receive_batch(request):
    """For message integrations only. The body is a FHIR Bundle of type `batch` whose
    entries each hold one message Bundle (at most ENPLAN_RECEIVE_BATCH_MAX_ENTRIES, 500 by
    default), as a mailbox or a VANS adapter delivers them. Each message is received exactly
    as on `/messaging/receive`, in order; one message that is refused or cannot be stored
    does not cost the others theirs. The answer is a `batch-response` Bundle with, per
    entry, the status that endpoint would have answered and the Acknowledgement."""
    integration = request.integration
    source = request.META.get("REMOTE_ADDR", "")
    try:
        body = read_body(request, settings.ENPLAN_MESSAGE_MAX_BYTES)
        messages = fhir.split_batch(body, request.content_type or "")
    except MessageError as exc:
        return JsonResponse({"detail": exc.reason}, status=exc.http_status)
    results = receive_many(
        [
            Incoming(m if isinstance(m, dict) else {}, "application/fhir+json", source)
            for m in messages
        ],
        channel="api",
        integration=integration,
    )
    body = fhir.batch_response([(r.ack, r.http_status, r.outcome) for r in results])
    return HttpResponse(to_json(body), content_type="application/fhir+json")


def _thread_out(thread: Thread) -> dict:
    return {
        "id": str(thread.uuid),
        "correspondent": thread.correspondent,
        "category": thread.category,
        "topic": thread.topic,
        "last_message_at": thread.last_message_at.isoformat(),
        "patient_deceased": thread.patient_deceased,
    }


@messaging.get("/citizens/{citizen_id}/threads", response=dict[str, object])
def list_threads(request, citizen_id: UUID):
    """The citizen's message threads at the caller's organisation, newest first."""
    citizen = get_visible_citizen(request.user, citizen_id, "messages")
    threads = Thread.objects.visible_to(request.user).filter(citizen=citizen)
    threads = threads.select_related("partner")
    return {"items": [_thread_out(t) for t in threads]}


@messaging.get("/citizens/{citizen_id}/threads/{thread_id}", response=dict[str, object])
def read_thread(request, citizen_id: UUID, thread_id: UUID):
    """One thread with its message segments in time order; attachments by title and size."""
    citizen = get_visible_citizen(request.user, citizen_id, "messages")
    thread = _thread(request.user, citizen, thread_id)
    policy = for_viewer(request.user, citizen)
    record(request.user, citizen, Action.READ, thread)
    items = []
    for seg in thread.segments.defer("data"):
        withheld = policy.withheld(seg.category, seg.origin_id)
        if withheld:
            items.append({"not_shared": True, "category": withheld.category})
            continue
        items.append(
            {
                "id": str(seg.uuid),
                "kind": seg.kind,
                "at": seg.timestamp.isoformat(),
                "author": seg.author_name,
                "role": seg.author_role,
                "phone": seg.author_phone,
                "text": seg.text,
                "title": seg.title,
                "content_type": seg.content_type,
                "size": seg.size,
            }
        )
    return {**_thread_out(thread), "segments": items}
