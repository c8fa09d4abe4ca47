"""Certificate requests (issue 14): rules, bad input, guards, sending, the answer through the
receive path, closing, overdue, access and FHIR."""

import uuid
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone

from enplan.certificates import services
from enplan.certificates.models import CertificateKind, CertificateRequest, Status
from enplan.consent.models import Category, Consent
from enplan.consent.services import give
from enplan.messaging import fhir, sending
from enplan.messaging.models import Message, OutboxEntry
from enplan.messaging.outbox import deliver
from enplan.network.models import NetworkRole
from enplan.network.services import add_member
from enplan.organisations.models import Profession, Sector

from .conftest import make_org, make_professional

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def kind(db):
    return CertificateKind.objects.get(name__startswith="Statusattest")


@pytest.fixture
def gp_org(citizen, caseworker):
    """The citizen's GP, outside enplan, in the network, with consent to messages."""
    org = make_org("Lægehuset Test", Sector.GENERAL_PRACTICE, "900000000000088")
    org.uses_enplan = False
    org.save()
    add_member(citizen, caseworker.user, role=NetworkRole.GP, organisation=org)
    consent(citizen, caseworker, caseworker.organisation, org, [Category.MESSAGES])
    consent(citizen, caseworker, org, caseworker.organisation, [Category.HEALTH])
    return org


def consent(citizen, caseworker, source, recipient, categories):
    give(
        citizen,
        caseworker.user,
        Consent(
            source_organisation=source,
            recipient_organisation=recipient,
            categories=categories,
            purpose="Attestsamarbejde",
            valid_from=timezone.localdate(),
            given_how="written",
        ),
    )


def spec(kind, gp_org, **over):
    data = dict(
        kind=kind,
        recipient=gp_org,
        purpose="Afklaring af ressourceforløb",
        questions=["Hvor mange timer kan borgeren holde til at være aktiv om dagen?"],
        wanted_by=timezone.localdate() + timedelta(days=14),
        timing_consulted="yes",
    )
    data.update(over)
    return services.RequestSpec(**data)


def reply_from(org, first: fhir.CareCommunication, citizen, text: str) -> bytes:
    """The GP's reply to our CareCommunication, as its system would send it."""
    header = str(uuid.uuid4())
    at = timezone.now().isoformat(timespec="seconds")
    new = fhir.Payload(
        identifier=f"urn:uuid:{uuid.uuid4()}",
        timestamp=at,
        assigner_sor=org.sor_code,
        author=fhir.Author("Lone Læge", "læge"),
        phone="33333333",
        text=text,
    )
    cc = fhir.CareCommunication(
        bundle_id=str(uuid.uuid4()),
        header_id=header,
        timestamp=at,
        sender=fhir.OrgRef(org.sor_code, name=org.name),
        receiver=first.sender,
        patient=first.patient,
        communication_id=first.communication_id,
        category=first.category,
        topic=first.topic,
        payloads=[*first.payloads, new],
        provenance=[
            *first.provenance,
            fhir.ProvenanceEntry(
                header, "reply-message", at, org.sor_code, [new.identifier], first.header_id
            ),
        ],
    )
    return fhir.to_json(fhir.build(cc))


def test_a_request_goes_out_as_carecommunication_and_a_reply_answers_it(
    citizen, caseworker, gp_org, kind, tmp_path, settings
):
    settings.ENPLAN_MESSAGE_TRANSPORT = str(tmp_path)
    req = services.create_request(
        caseworker.user,
        citizen,
        spec(kind, gp_org, uploads=[sending.Upload("udtalelse.pdf", "application/pdf", PDF)]),
    )
    assert req.status == Status.REQUESTED and req.thread is not None
    assert deliver() == (1, 0)
    (file,) = (tmp_path / gp_org.sor_code).iterdir()
    first, _bundle = fhir.parse(file.read_bytes(), "application/fhir+json")
    assert "Hvor mange timer" in first.payloads[0].text
    assert any(p.content_type == "application/pdf" for p in first.payloads)
    path = tmp_path / "reply.json"
    path.write_bytes(reply_from(gp_org, first, citizen, "Kan være aktiv 2 timer dagligt."))
    from enplan.messaging.models import MessageIntegration

    MessageIntegration.issue("drop folder", [gp_org.sor_code])
    call_command("receive_carecommunication", "--integration", "drop folder", str(path))
    req = CertificateRequest.objects.with_progress().get(pk=req.pk)
    assert req.status == Status.ANSWERED
    assert req.turnaround_days == 0 and req.answered_on_time
    with pytest.raises(ValidationError):
        services.close(caseworker.user, req, used_note="  ")
    services.close(caseworker.user, req, used_note="Arbejdsprøvning på 10 timer om ugen.")
    req = CertificateRequest.objects.with_progress().get(pk=req.pk)
    assert req.status == Status.USED and req.answered_at is not None


@pytest.mark.parametrize(
    "over,field",
    [
        ({"questions": ["  "]}, "questions"),
        ({"questions": []}, "questions"),
        ({"wanted_by": timezone.localdate() - timedelta(days=1)}, "wanted_by"),
        ({"wanted_by": timezone.localdate() + timedelta(days=800)}, "wanted_by"),
        ({"purpose": " "}, "purpose"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_stored(citizen, caseworker, gp_org, kind, over, field):
    with pytest.raises(ValidationError) as exc:
        services.create_request(caseworker.user, citizen, spec(kind, gp_org, **over))
    assert field in exc.value.message_dict
    assert (CertificateRequest.objects.count(), Message.objects.count()) == (0, 0)


def test_an_attachment_that_is_not_pdf_or_image_is_refused(citizen, caseworker, gp_org, kind):
    upload = sending.Upload("notes.pdf", "application/pdf", b"MZ\x90\x00 not a pdf")
    with pytest.raises(ValidationError):
        services.create_request(caseworker.user, citizen, spec(kind, gp_org, uploads=[upload]))
    assert (CertificateRequest.objects.count(), Message.objects.count()) == (0, 0)


def test_the_form_checks_attachments_by_content(citizen, caseworker, gp_org, kind, client_for):
    client = client_for(caseworker)
    fake = SimpleUploadedFile("scan.png", b"#!/bin/sh\necho hi\n", content_type="image/png")
    response = client.post(
        f"/citizens/{citizen.uuid}/certificates/new/",
        {
            "kind": kind.pk,
            "recipient": gp_org.uuid,
            "purpose": "Afklaring",
            "questions": "Hvordan er søvnen?",
            "wanted_by": (timezone.localdate() + timedelta(days=10)).isoformat(),
            "timing_consulted": "yes",
            "attachments": fake,
        },
    )
    assert response.status_code == 422
    assert CertificateRequest.objects.count() == 0


def test_a_recipient_with_no_channel_is_refused_with_a_clear_message(citizen, caseworker, kind):
    no_sor = make_org("Lægen Uden SOR", Sector.GENERAL_PRACTICE)
    add_member(citizen, caseworker.user, role=NetworkRole.GP, organisation=no_sor)
    consent(citizen, caseworker, caseworker.organisation, no_sor, [Category.MESSAGES])
    with pytest.raises(ValidationError) as exc:
        services.create_request(caseworker.user, citizen, spec(kind, no_sor))
    assert "SOR" in " ".join(exc.value.messages)
    no_consent = make_org("Lægen Uden Samtykke", Sector.GENERAL_PRACTICE, "900000000000099")
    add_member(citizen, caseworker.user, role=NetworkRole.GP, organisation=no_consent)
    with pytest.raises(ValidationError) as exc:
        services.create_request(caseworker.user, citizen, spec(kind, no_consent))
    assert "samtykke" in " ".join(exc.value.messages)
    assert (CertificateRequest.objects.count(), Message.objects.count()) == (0, 0)


def test_a_duplicate_within_three_months_needs_a_reason(citizen, caseworker, gp_org, kind):
    first = services.create_request(caseworker.user, citizen, spec(kind, gp_org))
    with pytest.raises(ValidationError) as exc:
        services.create_request(caseworker.user, citizen, spec(kind, gp_org))
    assert "duplicate_reason" in exc.value.message_dict
    second = services.create_request(
        caseworker.user, citizen, spec(kind, gp_org, duplicate_reason="Ny diagnose")
    )
    assert second.duplicate_of == first
    CertificateRequest.objects.filter(pk__in=[first.pk, second.pk]).update(
        created_at=timezone.now() - timedelta(days=100)
    )
    services.create_request(caseworker.user, citizen, spec(kind, gp_org))  # no reason needed


def test_the_timing_guard_asks_whether_the_clinic_was_consulted(citizen, caseworker, gp_org, kind):
    # The citizen fixture has a psychiatry contact: a treatment course in the network.
    assert services.treatment_courses(citizen)
    with pytest.raises(ValidationError) as exc:
        services.create_request(caseworker.user, citizen, spec(kind, gp_org, timing_consulted=""))
    assert "timing_consulted" in exc.value.message_dict
    req = services.create_request(
        caseworker.user, citizen, spec(kind, gp_org, timing_consulted="no")
    )
    assert req.timing_consulted == "no"


def test_an_answer_entered_keeps_health_apart_from_work_capacity(citizen, caseworker, gp_org, kind):
    req = services.create_request(caseworker.user, citizen, spec(kind, gp_org))
    with pytest.raises(ValidationError):
        services.close(caseworker.user, req, used_note="For tidligt")
    services.record_answer(
        caseworker.user,
        req,
        health_assessment="Nedsat koncentration, søvnbesvær.",
        work_capacity_comment="Kan ikke arbejde fuld tid.",
    )
    req.refresh_from_db()
    assert req.status == Status.ANSWERED
    assert req.health_assessment.startswith("Nedsat") and req.work_capacity_comment


def test_overdue_requests_are_on_the_caseworkers_list(
    citizen, caseworker, gp_org, kind, client_for
):
    req = services.create_request(caseworker.user, citizen, spec(kind, gp_org))
    CertificateRequest.objects.filter(pk=req.pk).update(
        wanted_by=timezone.localdate() - timedelta(days=2)
    )
    assert list(CertificateRequest.objects.overdue()) == [req]
    page = client_for(caseworker).get("/certificates/overdue/")
    assert page.status_code == 200 and citizen.full_name in page.content.decode()
    tab = client_for(caseworker).get(f"/citizens/{citizen.uuid}/certificates/")
    assert "Statusattest" in tab.content.decode()


def test_the_worker_reminds_the_caseworker_once_of_an_overdue_request(
    citizen, caseworker, gp_org, kind, settings
):
    from django.core import mail

    from enplan.core import jobs

    settings.ENPLAN_BASE_URL = "https://enplan.example"
    caseworker.user.email = "mette@jobcenter.example"
    caseworker.user.save()
    req = services.create_request(caseworker.user, citizen, spec(kind, gp_org))
    remind = jobs.get("certificates.reminders").func
    mail.outbox.clear()
    assert remind() == {"overdue_reminded": 0}  # not past its date yet
    CertificateRequest.objects.filter(pk=req.pk).update(
        wanted_by=timezone.localdate() - timedelta(days=2)
    )
    assert remind() == {"overdue_reminded": 1}
    assert remind() == {"overdue_reminded": 0}  # once
    [message] = mail.outbox
    assert message.to == ["mette@jobcenter.example"]
    assert (
        f"https://enplan.example/citizens/{citizen.uuid}/certificates/{req.uuid}/" in message.body
    )
    # E-mail is not a secure channel: no name, no CPR number.
    for secret in (citizen.given_name, citizen.family_name, citizen.cpr):
        assert secret not in message.subject + message.body


def test_a_gp_outside_the_network_sees_no_request(citizen, caseworker, gp_org, kind, client_for):
    req = services.create_request(caseworker.user, citizen, spec(kind, gp_org))
    other_gp = make_professional(
        "gunnar", make_org("Anden Læge", Sector.GENERAL_PRACTICE, "900000000000111"), Profession.GP
    )
    client = client_for(other_gp)
    assert client.get(f"/citizens/{citizen.uuid}/certificates/").status_code == 404
    assert client.get(f"/citizens/{citizen.uuid}/certificates/{req.uuid}/").status_code == 404
    assert citizen.full_name not in client.get("/certificates/overdue/").content.decode()
    assert not CertificateRequest.objects.visible_to(other_gp.user).exists()
    with pytest.raises(PermissionDenied):
        services.close(other_gp.user, req, used_note="x")


def test_the_request_page_shows_the_duplicate_guard(citizen, caseworker, gp_org, kind, client_for):
    services.create_request(caseworker.user, citizen, spec(kind, gp_org))
    client = client_for(caseworker)
    response = client.post(
        f"/citizens/{citizen.uuid}/certificates/new/",
        {
            "kind": kind.pk,
            "recipient": gp_org.uuid,
            "purpose": "Igen",
            "questions": "Samme spørgsmål",
            "wanted_by": (timezone.localdate() + timedelta(days=10)).isoformat(),
            "timing_consulted": "yes",
        },
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert 'id="duplicate-guard"' in body and 'id="timing-guard"' in body
    assert CertificateRequest.objects.count() == 1
    assert OutboxEntry.objects.count() == 1


def test_fhir_service_request_and_task_validate_and_follow_the_status(
    citizen, caseworker, gp_org, kind, client_for
):
    from fhir.resources.R4B.servicerequest import ServiceRequest
    from fhir.resources.R4B.task import Task

    req = services.create_request(caseworker.user, citizen, spec(kind, gp_org))
    client = client_for(caseworker)
    sr = client.get(f"/fhir/r4/ServiceRequest/{req.uuid}")
    assert sr.status_code == 200 and sr["Content-Type"] == "application/fhir+json"
    resource = ServiceRequest.model_validate_json(sr.content)
    assert resource.intent == "order" and "Hvor mange timer" in resource.note[0].text
    assert Task.model_validate_json(client.get(f"/fhir/r4/Task/{req.uuid}").content).status == (
        "requested"
    )
    services.record_answer(caseworker.user, req, health_assessment="Træthed")
    done = Task.model_validate_json(client.get(f"/fhir/r4/Task/{req.uuid}").content)
    assert done.status == "completed" and done.businessStatus.text
    outside = make_professional(
        "gert", make_org("Anden", Sector.GENERAL_PRACTICE, "900000000000222")
    )
    assert client_for(outside).get(f"/fhir/r4/Task/{req.uuid}").status_code == 404
