"""Messaging over the API: receiving CareCommunication (the HTTP transport's endpoint) and
reading a citizen's message threads."""

from uuid import UUID

from django.http import HttpResponse, JsonResponse
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
from enplan.messaging.receiving import Incoming, receive, receive_many
from enplan.messaging.views import _thread

messaging = Router(tags=["messaging"])


@messaging.post(
    "/messaging/receive",
    summary="Receive a MedCom CareCommunication (or an Acknowledgement)",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/fhir+json": {"schema": {"type": "object"}},
                "application/fhir+xml": {"schema": {"type": "string"}},
            },
        },
        "responses": {
            200: {"description": "Accepted or a duplicate: a positive Acknowledgement"},
            413: {"description": "Too large: a negative Acknowledgement"},
            415: {"description": "Neither FHIR JSON nor XML: a negative Acknowledgement"},
            422: {"description": "Refused, with the reason: a negative Acknowledgement"},
        },
    },
)
@performs(RECEIVE)
def receive_message(request):
    """The body is a FHIR message Bundle in JSON or XML. The answer is the MedCom
    Acknowledgement Bundle; the status says whether the message was accepted."""
    result = receive(
        request.body,
        request.content_type or "",
        channel="api",
        source=request.META.get("REMOTE_ADDR", ""),
    )
    response = HttpResponse(
        to_json(result.ack) if result.ack else b"{}",
        status=result.http_status,
        content_type="application/fhir+json",
    )
    response["X-Enplan-Outcome"] = result.outcome
    return response


@messaging.post(
    "/messaging/receive-batch",
    summary="Receive several CareCommunication messages at once (a FHIR batch)",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/fhir+json": {"schema": {"type": "object"}}},
        },
        "responses": {
            200: {"description": "A batch-response Bundle: per message its status and ack"},
            413: {"description": "The batch is too large"},
            415: {"description": "Not FHIR JSON"},
            422: {"description": "Not a batch Bundle, or too many entries"},
        },
    },
)
@performs(RECEIVE)
def receive_batch(request):
    """The body is a FHIR Bundle of type `batch` whose entries each hold one message Bundle
    (at most ENPLAN_RECEIVE_BATCH_MAX_ENTRIES, 500 by default), as a mailbox or a VANS
    adapter delivers them. Each message is received exactly as on `/messaging/receive`,
    in order, in one transaction; the answer is a `batch-response` Bundle with, per entry,
    the status that endpoint would have answered and the Acknowledgement."""
    source = request.META.get("REMOTE_ADDR", "")
    try:
        messages = fhir.split_batch(request.body, request.content_type or "")
    except MessageError as exc:
        return JsonResponse({"detail": exc.reason}, status=exc.http_status)
    results = receive_many(
        [
            Incoming(m if isinstance(m, dict) else {}, "application/fhir+json", source)
            for m in messages
        ],
        channel="api",
    )
    body = fhir.batch_response([(r.ack, r.http_status, r.outcome) for r in results])
    return HttpResponse(to_json(body), content_type="application/fhir+json")


def _thread_out(thread: Thread) -> dict:
    return {
        "id": str(thread.uuid),
        "correspondent": thread.partner.name,
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
