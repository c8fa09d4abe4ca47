"""FHIR R4 ServiceRequest and Task for a certificate request (validated with fhir.resources'
R4B models, identical to R4 for both). The ServiceRequest is what the jobcenter asks; the
Task its progress (requested → received → answered → used). The answer itself is not part of
either: it is health information from the recipient and stays behind the consent policy on
the certificate's page."""

from uuid import UUID

from django.http import Http404
from fhir.resources.R4B.servicerequest import ServiceRequest
from fhir.resources.R4B.task import Task
from ninja import Router

from enplan.certificates.models import CertificateRequest, Status
from enplan.citizens.access import get_visible_citizen

from .fhir import FHIR_JSON, _org_ref, _patient_ref, _resource

KIND_SYSTEM = "urn:enplan:certificate-kind"
TASK_STATUS = {
    Status.REQUESTED: "requested",
    Status.RECEIVED: "received",
    Status.ANSWERED: "completed",
    Status.USED: "completed",
}

certificate_resources = Router(tags=["FHIR"])


def service_request(req: CertificateRequest) -> ServiceRequest:
    data = {
        "resourceType": "ServiceRequest",
        "id": str(req.uuid),
        "status": "completed" if req.status in (Status.ANSWERED, Status.USED) else "active",
        "intent": "order",
        "code": {
            "coding": [{"system": KIND_SYSTEM, "code": str(req.kind_id), "display": req.kind.name}],
            "text": req.kind.name,
        },
        "subject": _patient_ref(req.citizen),
        "authoredOn": req.created_at.isoformat(),
        "requester": _org_ref(req.organisation),
        "performer": [_org_ref(req.recipient)],
        "reasonCode": [{"text": req.purpose[:1000]}],
        "occurrencePeriod": {"end": req.wanted_by.isoformat()},
        "note": [{"text": q[:1000]} for q in req.questions],
    }
    return ServiceRequest.model_validate(data)


def task(req: CertificateRequest) -> Task:
    status = req.status
    data = {
        "resourceType": "Task",
        "id": str(req.uuid),
        "status": TASK_STATUS[status],
        "businessStatus": {"coding": [{"code": str(status)}], "text": req.get_status_display()},
        "intent": "order",
        "focus": {"reference": f"ServiceRequest/{req.uuid}"},
        "for": _patient_ref(req.citizen),
        "authoredOn": req.created_at.isoformat(),
        "lastModified": (req.used_at or req.answer_at or req.created_at).isoformat(),
        "requester": _org_ref(req.organisation),
        "owner": _org_ref(req.recipient),
        "restriction": {"period": {"end": req.wanted_by.isoformat()}},
    }
    return Task.model_validate(data)


def _request(request, certificate_id: UUID) -> CertificateRequest:
    req = (
        CertificateRequest.objects.visible_to(request.user)
        .with_progress()
        .select_related("citizen", "kind", "organisation", "recipient")
        .filter(uuid=certificate_id)
        .first()
    )
    if req is None:
        raise Http404
    get_visible_citizen(request.user, req.citizen.uuid, "certificate")
    return req


@certificate_resources.get(
    "/ServiceRequest/{certificate_id}",
    summary="Read a certificate request as a ServiceRequest",
    openapi_extra={"responses": {200: {"content": {FHIR_JSON: {}}}}},
)
def read_service_request(request, certificate_id: UUID):
    return _resource(service_request(_request(request, certificate_id)))


@certificate_resources.get(
    "/Task/{certificate_id}",
    summary="Read a certificate request's progress as a Task",
    openapi_extra={"responses": {200: {"content": {FHIR_JSON: {}}}}},
)
def read_task(request, certificate_id: UUID):
    return _resource(task(_request(request, certificate_id)))
