"""Receiving CareCommunication: every official example, the receiving rules of MedCom's
guides (reliable messaging, CareCommunication governance rules 7–11) and bad input."""

import io
import json
import uuid
from pathlib import Path

import pytest
from django.core.management import call_command
from fhir.resources.R4B.bundle import Bundle

from enplan.audit.models import AuditEntry
from enplan.messaging import fhir
from enplan.messaging.models import (
    Message,
    MessageIntegration,
    OutboxEntry,
    Outcome,
    Receipt,
    Segment,
    Thread,
)
from enplan.messaging.partners import MEDCOM_EXAMPLE_ORGANISATIONS, ensure_example_organisations
from enplan.messaging.receiving import receive
from enplan.network.models import NetworkRole
from enplan.network.services import add_member
from enplan.organisations.models import Profession

from .conftest import make_citizen, make_professional

FIXTURES = Path(__file__).parent / "fixtures" / "medcom"
RECEIVE = sorted(FIXTURES.glob("Bundle-R-*"))
SEND = sorted(FIXTURES.glob("Bundle-S-*"))
AABENRAA, ARDEN, OSTERBRO = "330461000016004", "382871000016004", "1017421000016003"
AUH = "441211000016000"
BRUNO = "2509479989"  # MedCom's test patient in the official examples
EXAMPLE_SORS = [sor for _name, _sector, sor, _ean, _uses in MEDCOM_EXAMPLE_ORGANISATIONS]


def ct(path: Path) -> str:
    return "application/fhir+xml" if path.suffix == ".xml" else "application/fhir+json"


def counts() -> tuple[int, int, int]:
    return Thread.objects.count(), Message.objects.count(), Segment.objects.count()


@pytest.fixture(autouse=True)
def english():
    """Reasons are translated (Danish by default); these tests read them in English."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def orgs(db):
    return ensure_example_organisations()


@pytest.fixture
def nurse(orgs):
    return make_professional("birgit", orgs[AABENRAA], Profession.NURSE)


@pytest.fixture
def bruno(caseworker, nurse):
    citizen = make_citizen(caseworker, cpr=BRUNO, given_name="Bruno", family_name="Elmer")
    add_member(citizen, caseworker.user, role=NetworkRole.OTHER, professional=nurse)
    return citizen


def message(
    *,
    receiver=AABENRAA,
    sender=AUH,
    cpr=BRUNO,
    comm_id=None,
    activity="new-message",
    previous="",
    earlier=(),
    text="Hej",
    at="2026-11-20T10:00:00+01:00",
    history=(),
    identifiers=None,
    deceased=False,
) -> fhir.CareCommunication:
    """A CareCommunication built by our own builder (the examples cover the rest)."""
    header = str(uuid.uuid4())
    new = fhir.Payload(
        identifier=f"urn:uuid:{uuid.uuid4()}",
        timestamp=at,
        assigner_sor=sender,
        author=fhir.Author("Michael Burns", "sygeplejerske"),
        phone="38683868",
        text=text,
    )
    return fhir.CareCommunication(
        bundle_id=str(uuid.uuid4()),
        header_id=header,
        timestamp=at,
        sender=fhir.OrgRef(sender, name="Afsender"),
        receiver=fhir.OrgRef(receiver, name="Modtager"),
        patient=fhir.Patient(
            identifiers=identifiers or [(fhir.CPR, cpr)], family="Elmer", deceased=deceased
        ),
        communication_id=comm_id or f"urn:uuid:{uuid.uuid4()}",
        category="examination-results",
        payloads=[*earlier, new],
        provenance=[
            *history,
            fhir.ProvenanceEntry(header, activity, at, sender, [new.identifier], previous),
        ],
    )


def reply_to(first: fhir.CareCommunication, at: str, text: str) -> fhir.CareCommunication:
    return message(
        comm_id=first.communication_id,
        activity="reply-message",
        previous=first.header_id,
        earlier=first.payloads,
        history=first.provenance,
        at=at,
        text=text,
    )


def forward_of(first: fhir.CareCommunication) -> fhir.CareCommunication:
    return message(
        activity="forward-message",
        previous=first.header_id,
        earlier=first.payloads,
        history=first.provenance,
        text="Til orientering",
    )


def send(cc: fhir.CareCommunication, fmt: str = "json"):
    bundle = fhir.build(cc)
    data = fhir.to_xml(bundle) if fmt == "xml" else fhir.to_json(bundle)
    return receive(data, f"application/fhir+{fmt}", channel="test")


# --- the official examples ------------------------------------------------------------------


@pytest.mark.parametrize("path", RECEIVE, ids=lambda p: p.name[:24])
def test_every_receiving_example_is_accepted_with_a_valid_positive_ack(path, orgs, bruno):
    result = receive(path.read_bytes(), ct(path), channel="test", source=path.name)
    assert (result.outcome, result.ack_label) == ("accepted", "positive"), result.reason
    ack = Bundle.model_validate(result.ack)  # a structurally valid FHIR Bundle
    header = ack.entry[0].resource
    assert header.eventCoding.code == "acknowledgement-message"
    assert header.response.identifier == result.message_id
    assert header.response.code == "ok"
    cc, _bundle = fhir.parse(path.read_bytes(), ct(path))
    message = Message.objects.get(header_id=cc.header_id)
    assert message.thread.organisation.sor_code == cc.receiver.sor
    assert {s.identifier for s in message.thread.segments.all()} == {
        p.identifier for p in cc.payloads
    }
    attachments = [p for p in cc.payloads if p.is_attachment and p.data]
    for p in attachments:
        seg = Segment.objects.get(thread=message.thread, identifier=p.identifier)
        assert bytes(seg.data) == p.content_bytes()
    if cc.patient.cpr == BRUNO:
        assert message.thread.citizen == bruno
    else:  # a replacement CPR number nobody knows yet: triage
        assert message.thread.citizen is None


@pytest.mark.parametrize("path", SEND, ids=lambda p: p.name[:24])
def test_every_sending_example_is_parsed_and_re_emitted_equivalently(path):
    original, _bundle = fhir.parse(path.read_bytes(), ct(path))
    rebuilt = fhir.build(original)
    fhir.validate_built(rebuilt)
    as_json, _b = fhir.parse(fhir.to_json(rebuilt), "application/fhir+json")
    as_xml, _b = fhir.parse(fhir.to_xml(rebuilt), "application/fhir+xml")
    assert fhir.essence(as_json) == fhir.essence(original)
    assert fhir.essence(as_xml) == fhir.essence(original)


def test_json_and_xml_of_the_same_message_are_the_same_message(orgs, bruno):
    cc = message()
    assert send(cc, "xml").outcome == "accepted"
    again = send(cc, "json")
    assert (again.outcome, again.ack_label) == ("duplicate", "positive")


# --- reliable messaging ---------------------------------------------------------------------


def test_duplicate_is_acknowledged_positively_with_the_original_ack_and_not_stored(orgs, bruno):
    path = next(p for p in RECEIVE if "R-A-new" in p.name)
    first = receive(path.read_bytes(), channel="test")
    before = counts()
    again = receive(path.read_bytes(), channel="test")
    assert (again.outcome, again.ack_label) == ("duplicate", "positive")
    assert again.ack == first.ack  # the original acknowledgement, sent again
    assert counts() == before
    assert Receipt.objects.filter(outcome=Outcome.DUPLICATE).count() == 1


def test_a_resend_with_a_new_bundle_id_is_a_duplicate(orgs, bruno):
    cc = message()
    send(cc)
    cc.bundle_id = str(uuid.uuid4())
    assert send(cc).outcome == "duplicate"


def test_a_different_message_reusing_a_known_message_id_is_rejected(orgs, bruno):
    cc = message(text="Første")
    send(cc)
    before = counts()
    cc.payloads[0].text = "Noget helt andet"
    cc.bundle_id = str(uuid.uuid4())
    result = send(cc)
    assert (result.outcome, result.ack_label) == ("rejected", "negative")
    assert "already received with different content" in result.reason
    assert counts() == before


def test_a_reused_bundle_id_is_rejected(orgs, bruno):
    first = message()
    send(first)
    second = message()
    second.bundle_id = first.bundle_id
    result = send(second)
    assert result.outcome == "rejected" and "Bundle.id" in result.reason


# --- threads (governance rules 7–11) --------------------------------------------------------


def test_a_reply_joins_the_thread_of_the_message_it_answers(orgs, bruno):
    first = message(at="2026-11-20T10:00:00+01:00")
    send(first)
    reply = reply_to(first, at="2026-11-20T11:00:00+01:00", text="Svar")
    assert send(reply).outcome == "accepted"
    thread = Thread.objects.get()
    assert thread.messages.count() == 2
    assert [s.text for s in thread.segments.order_by("timestamp")] == ["Hej", "Svar"]
    assert len(thread.history) == 2


def test_a_reply_that_arrives_before_the_message_it_answers(orgs, bruno):
    first = message(at="2026-11-20T10:00:00+01:00", text="Originalen")
    reply = reply_to(first, at="2026-11-20T11:00:00+01:00", text="Svaret")
    assert send(reply).outcome == "accepted"
    thread = Thread.objects.get()
    # The original's segment came along in the reply and is shown, in time order.
    assert [s.text for s in thread.segments.order_by("timestamp")] == ["Originalen", "Svaret"]
    assert send(first).outcome == "accepted"  # the late original joins the same thread
    assert Thread.objects.count() == 1
    assert thread.messages.count() == 2
    assert thread.segments.count() == 2  # and adds no segment twice


def test_parallel_conversations_about_the_same_citizen_stay_apart(orgs, bruno):
    send(message(text="Om medicin"))
    send(message(text="Om træning"))
    assert Thread.objects.filter(citizen=bruno).count() == 2


def test_parallel_replies_to_the_same_message_both_join_the_thread(orgs, bruno):
    first = message()
    send(first)
    for at, text in (("2026-11-20T12:00:00+01:00", "B"), ("2026-11-20T11:00:00+01:00", "A")):
        send(reply_to(first, at=at, text=text))
    thread = Thread.objects.get()
    assert [s.text for s in thread.segments.order_by("timestamp")] == ["Hej", "A", "B"]


def test_a_forward_starts_a_new_thread(orgs, bruno):
    first = message()
    send(first)
    forward = forward_of(first)
    send(forward)
    assert Thread.objects.count() == 2
    new = Thread.objects.get(communication_id=forward.communication_id)
    assert new.forwarded_from.communication_id == first.communication_id
    assert new.segments.count() == 2


def test_a_reply_with_an_unknown_communication_identifier_starts_a_new_thread(orgs, bruno):
    reply = message(activity="reply-message", previous=str(uuid.uuid4()))
    assert send(reply).outcome == "accepted"
    assert Thread.objects.get().communication_id == reply.communication_id


# --- the patient ----------------------------------------------------------------------------


def test_unknown_citizen_waits_in_triage_of_the_receiving_organisation(orgs, db):
    result = send(message(cpr="0101901234"))
    assert result.outcome == "accepted"
    thread = Thread.objects.get()
    assert thread.citizen is None and thread.organisation.sor_code == AABENRAA
    assert thread.patient["identifiers"][0]["value"] == "0101901234"


def test_replacement_cpr_number_is_attached_once_staff_have_identified_the_citizen(
    orgs, bruno, nurse
):
    from enplan.messaging.sending import attach_to_citizen

    replacement = [("urn:oid:1.2.208.176.1.6.1.3.177", "1206550VK9")]
    send(message(identifiers=replacement))
    thread = Thread.objects.get()
    assert thread.citizen is None
    attach_to_citizen(nurse.user, thread, bruno, remember_identifier=True)
    send(message(identifiers=replacement, text="Næste besked"))
    assert Thread.objects.filter(citizen=bruno).count() == 2


def test_a_corrected_cpr_number_still_finds_the_citizen(orgs, bruno):
    from enplan.citizens.models import CitizenIdentifier, IdentifierSystem

    CitizenIdentifier.objects.create(
        citizen=bruno, system=IdentifierSystem.PREVIOUS_CPR, issuer=fhir.CPR, value="2509470000"
    )
    send(message(cpr="2509470000"))
    assert Thread.objects.get().citizen == bruno


def test_a_deceased_patient_is_flagged_on_the_thread(orgs, bruno, nurse, client_for):
    send(message(deceased=True))
    thread = Thread.objects.get()
    assert thread.patient_deceased
    page = client_for(nurse).get(f"/citizens/{bruno.uuid}/messages/{thread.uuid}/")
    assert "the patient has died" in page.content.decode() or "patienten er død" in (
        page.content.decode()
    )


def test_acknowledgement_goes_to_an_external_sender_through_the_outbox(orgs, bruno):
    result = send(message())
    entry = OutboxEntry.objects.get(kind="acknowledgement")
    assert entry.receiver_sor == AUH
    assert json.loads(entry.payload) == result.ack


# --- bad input: negative acknowledgement, logged, nothing stored ----------------------------

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE Bundle [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<Bundle xmlns="http://hl7.org/fhir"><id value="&xxe;"/><type value="message"/></Bundle>"""
BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;">]>
<Bundle xmlns="http://hl7.org/fhir"><id value="&lol2;"/></Bundle>"""


def _mutated(mutate) -> bytes:
    bundle = fhir.build(message())
    mutate(bundle)
    return fhir.to_json(bundle)


def _resource(bundle, rtype):
    return next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == rtype)


BAD = {
    "malformed-json": (b'{"resourceType": "Bundle", "entry": [', "Not a valid FHIR Bundle"),
    "malformed-xml": (b"<Bundle xmlns='http://hl7.org/fhir'><id value='x'>", "Malformed XML"),
    "xxe": (XXE, "DOCTYPE"),
    "entity-expansion": (BILLION_LAUGHS, "DOCTYPE"),
    "not-fhir": (b"hello", "neither FHIR JSON nor FHIR XML"),
    "not-a-bundle": (b'{"resourceType": "Patient"}', "not a FHIR Bundle"),
    "wrong-profile": (
        lambda: _mutated(lambda b: b["meta"].update(profile=["http://example.org/other"])),
        "CareCommunication profile",
    ),
    "no-patient-identifier": (
        lambda: _mutated(lambda b: _resource(b, "Patient").pop("identifier")),
        "Patient has no identifier",
    ),
    "no-message-text": (
        lambda: _mutated(lambda b: _resource(b, "Communication").update(payload=[])),
        "no message text",
    ),
    "unknown-category": (
        lambda: _mutated(
            lambda b: _resource(b, "Communication")["category"][0]["coding"][0].update(
                code="gossip"
            )
        ),
        "Unknown CareCommunication category",
    ),
    "receiver-not-ours": (
        lambda: fhir.to_json(fhir.build(message(receiver="123456789012345"))),
        "not an organisation served here",
    ),
    "attachment-not-what-it-claims": (
        lambda: _mutated(
            lambda b: _resource(b, "Communication")["payload"].append(
                {
                    "extension": _resource(b, "Communication")["payload"][0]["extension"][:2],
                    "contentAttachment": {
                        "contentType": "application/pdf",
                        "title": "faktura.pdf",
                        "data": "TVqQAAMAAAAEAAAA//8AALgAAAAAAAAAQAAAAAAAAAAA",  # an .exe
                    },
                }
            )
        ),
        "not really of type application/pdf",
    ),
}


@pytest.mark.parametrize("case", BAD, ids=list(BAD))
def test_bad_input_gets_a_negative_ack_is_logged_and_nothing_is_stored(case, orgs, bruno, caplog):
    data, reason = BAD[case]
    data = data() if callable(data) else data
    before = counts()
    result = receive(data, channel="test", source=case)
    assert (result.outcome, result.ack_label) == ("rejected", "negative")
    assert reason in result.reason
    assert counts() == before
    receipt = Receipt.objects.get(source=case)
    assert receipt.outcome == "rejected" and reason in receipt.reason
    header = receipt.ack["entry"][0]["resource"]
    assert header["response"]["code"] == "fatal-error"
    outcome = _resource(receipt.ack, "OperationOutcome")
    assert reason in outcome["issue"][0]["details"]["text"]
    assert "refused message" in caplog.text
    assert b"root:" not in json.dumps(result.ack).encode()  # nothing from /etc/passwd


def test_oversized_message_is_refused_before_parsing(orgs, settings):
    settings.ENPLAN_MESSAGE_MAX_BYTES = 1000
    result = receive(b"{" + b" " * 2000 + b"}", channel="test")
    assert result.outcome == "rejected" and result.http_status == 413
    assert "at most 1000" in result.reason


def test_oversized_attachment_is_refused(orgs, bruno, settings):
    settings.ENPLAN_ATTACHMENT_MAX_BYTES = 10
    path = next(p for p in RECEIVE if "R-A-new" in p.name)  # carries a PDF
    result = receive(path.read_bytes(), channel="test")
    assert result.outcome == "rejected" and "at most 10" in result.reason
    assert counts() == (0, 0, 0)


# --- the command ----------------------------------------------------------------------------


def test_command_prints_one_json_line_per_file_in_order(orgs, bruno, tmp_path):
    bad = tmp_path / "bad.xml"
    bad.write_bytes(XXE)
    paths = [str(p) for p in RECEIVE] + [str(RECEIVE[0]), str(bad), str(tmp_path / "nope.json")]
    out = io.StringIO()
    MessageIntegration.issue("drop folder", EXAMPLE_SORS)
    call_command("receive_carecommunication", "--integration", "drop folder", *paths, stdout=out)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [line["file"] for line in lines] == paths
    assert [line["outcome"] for line in lines] == ["accepted"] * len(RECEIVE) + [
        "duplicate",
        "rejected",
        "rejected",
    ]
    assert [line["ack"] for line in lines[-3:]] == ["positive", "negative", "negative"]
    assert set(lines[0]) == {"file", "outcome", "ack", "message_id", "reason"}
    assert lines[-1]["reason"].startswith("Cannot read the file")


# --- the HTTP endpoint ----------------------------------------------------------------------


@pytest.fixture
def token(bruno, nurse):
    """A message integration's key, for the senders of the official examples."""
    return MessageIntegration.issue("test adapter", EXAMPLE_SORS)[1]


def test_api_receives_json_and_xml_and_answers_with_the_ack(client, token):
    for path in RECEIVE[:2]:
        response = client.post(
            "/api/v1/messaging/receive",
            data=path.read_bytes(),
            content_type=ct(path),
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status_code == 200, response.content
        ack = response.json()
        assert ack["entry"][0]["resource"]["response"]["code"] == "ok"
        assert response["X-Enplan-Outcome"] == "accepted"


def test_api_refuses_bad_input_with_a_negative_ack(client, token, settings):
    auth = {"Authorization": f"Bearer {token}"}
    bad = client.post(
        "/api/v1/messaging/receive", data=XXE, content_type="application/fhir+xml", headers=auth
    )
    assert bad.status_code == 422
    assert bad.json()["entry"][0]["resource"]["response"]["code"] == "fatal-error"
    unknown = client.post(
        "/api/v1/messaging/receive", data=b"hello", content_type="text/plain", headers=auth
    )
    assert unknown.status_code == 415
    settings.ENPLAN_MESSAGE_MAX_BYTES = 10
    big = client.post(
        "/api/v1/messaging/receive", data=b"{}" * 20, content_type="application/json", headers=auth
    )
    assert big.status_code == 413


def test_api_receive_needs_a_token(client, orgs):
    response = client.post(
        "/api/v1/messaging/receive", data=RECEIVE[0].read_bytes(), content_type=ct(RECEIVE[0])
    )
    assert response.status_code == 401
    assert Message.objects.count() == 0


# --- batches: the same as one at a time -----------------------------------------------------


def _state(results) -> dict:
    """What receiving left behind, without the ids and times that differ between runs."""
    from enplan.organisations.models import Organisation

    thread_key = {t.pk: t.communication_id for t in Thread.objects.all()}
    header = {str(m.uuid): m.header_id for m in Message.objects.all()}
    return {
        "results": [(r.outcome, r.ack_label, r.message_id, r.reason) for r in results],
        "threads": sorted(
            (
                t.communication_id,
                t.organisation_id,
                t.citizen_id,
                t.partner_sor,
                thread_key.get(t.forwarded_from_id),
                t.patient_deceased,
                t.last_message_at,
                [h["target"] for h in t.history],
            )
            for t in Thread.objects.all()
        ),
        "messages": sorted(
            (m.header_id, thread_key[m.thread_id], m.activity) for m in Message.objects.all()
        ),
        "segments": sorted(
            (thread_key[s.thread_id], s.identifier, s.text, s.origin_id, s.sha256)
            for s in Segment.objects.all()
        ),
        "receipts": sorted(
            (r.header_id, r.outcome, r.reason, r.message_id is not None)
            for r in Receipt.objects.all()
        ),
        "acks queued": sorted(
            (e.receiver_sor, json.loads(e.payload)["entry"][0]["resource"]["response"]["code"])
            for e in OutboxEntry.objects.filter(kind="acknowledgement")
        ),
        "partners": sorted(Organisation.objects.values_list("sor_code", flat=True)),
        "audited": sorted(
            (header[e.object_id], e.citizen_uuid, e.action, e.context.get("sender"))
            for e in AuditEntry.objects.filter(object_type="message")
        ),
    }


def test_a_batch_stores_and_answers_exactly_what_one_at_a_time_does(orgs, bruno):
    from django.db import transaction

    from enplan.messaging.receiving import Incoming, receive_many

    class Rollback(Exception):
        pass

    earlier = message(text="Allerede modtaget")
    send(earlier)  # in the database before the batch
    first = message(at="2026-11-20T10:00:00+01:00", text="Originalen")
    reply = reply_to(first, at="2026-11-20T11:00:00+01:00", text="Svaret")
    forward = forward_of(first)
    changed = message(text="Originalen, rettet")
    changed.header_id = changed.provenance[-1].target = first.header_id
    reused = message()
    reused.bundle_id = first.bundle_id
    bundles = [
        fhir.build(reply),  # a reply before the message it answers
        fhir.build(first),
        fhir.build(first),  # a duplicate of a message earlier in the batch
        fhir.build(earlier),  # a duplicate of a message already stored
        fhir.build(changed),  # another message under a known id
        fhir.build(reused),  # a reused Bundle.id
        fhir.build(forward),
        fhir.build(message(cpr="0101901234")),  # triage
        fhir.build(message(receiver="5790000000000")),  # not ours
        fhir.build(message(sender="123456789012345")),  # a sender not yet in the directory
        fhir.build(message(deceased=True)),
    ]
    items = [
        (fhir.to_xml(b), "application/fhir+xml") if i % 3 == 0 else (fhir.to_json(b), "")
        for i, b in enumerate(bundles)
    ] + [(b"{not json", ""), (XXE, "application/fhir+xml")]

    def one_at_a_time():
        return [receive(data, ctype, channel="test") for data, ctype in items]

    def as_a_batch():
        return receive_many([Incoming(d, c) for d, c in items], channel="test")

    states = []
    for run in (one_at_a_time, as_a_batch):
        try:
            with transaction.atomic():
                states.append(_state(run()))
                raise Rollback
        except Rollback:
            pass
    single, batch = states
    assert [r[:2] for r in single["results"]] == [
        ("accepted", "positive"),
        ("accepted", "positive"),
        ("duplicate", "positive"),
        ("duplicate", "positive"),
        ("rejected", "negative"),
        ("rejected", "negative"),
        ("accepted", "positive"),
        ("accepted", "positive"),
        ("rejected", "negative"),
        ("accepted", "positive"),
        ("accepted", "positive"),
        ("rejected", "negative"),
        ("rejected", "negative"),
    ]
    for key in single:
        assert batch[key] == single[key], key


def test_a_batch_of_many_messages_uses_a_few_queries(orgs, bruno, django_assert_max_num_queries):
    from enplan.messaging.receiving import Incoming, receive_many

    items = [Incoming(fhir.to_json(fhir.build(message(text=f"Nr. {n}")))) for n in range(40)]
    with django_assert_max_num_queries(15):
        results = receive_many(items, channel="test")
    assert {r.outcome for r in results} == {"accepted"}
    assert Message.objects.count() == 40 and Segment.objects.count() == 40
    assert OutboxEntry.objects.filter(kind="acknowledgement").count() == 40
    assert AuditEntry.objects.filter(object_type="message").count() == 40


def _batch(*resources) -> bytes:
    return json.dumps(
        {
            "resourceType": "Bundle",
            "type": "batch",
            "entry": [
                {"resource": r, "request": {"method": "POST", "url": "$process-message"}}
                for r in resources
            ],
        }
    ).encode()


def test_api_receives_a_batch_and_answers_per_message(client, token):
    first, second = fhir.build(message(text="Et")), fhir.build(message(text="To"))
    response = client.post(
        "/api/v1/messaging/receive-batch",
        data=_batch(first, second, first, {"resourceType": "Patient"}, "not a resource"),
        content_type="application/fhir+json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.content
    answer = response.json()
    assert answer["type"] == "batch-response"
    Bundle.model_validate(answer)
    statuses = [e["response"]["status"] for e in answer["entry"]]
    assert statuses == ["200", "200", "200", "422", "422"]
    outcomes = [e["response"]["outcome"]["issue"][0]["details"]["text"] for e in answer["entry"]]
    assert outcomes == ["accepted", "accepted", "duplicate", "rejected", "rejected"]
    acks = [e["resource"]["entry"][0]["resource"]["response"] for e in answer["entry"]]
    assert [a["identifier"] for a in acks[:3]] == [
        first["entry"][0]["resource"]["id"],
        second["entry"][0]["resource"]["id"],
        first["entry"][0]["resource"]["id"],
    ]
    assert [a["code"] for a in acks] == ["ok", "ok", "ok", "fatal-error", "fatal-error"]
    assert Message.objects.count() == 2


@pytest.mark.parametrize(
    "body, content_type, status, says",
    [
        (b"<Bundle xmlns='http://hl7.org/fhir'/>", "application/fhir+xml", 415, "FHIR JSON"),
        (b'{"resourceType": "Bundle", "type": "message"}', "application/json", 422, "batch"),
        (b'{"resourceType": "Bundle", "type": "batch", "entry": []}', "", 422, "1 to 3"),
        (b"{broken", "application/json", 422, "Not a valid FHIR Bundle"),
    ],
    ids=["xml", "not-a-batch", "empty", "malformed"],
)
def test_api_refuses_what_is_not_a_batch_and_stores_nothing(
    client, token, settings, body, content_type, status, says
):
    settings.ENPLAN_RECEIVE_BATCH_MAX_ENTRIES = 3
    response = client.post(
        "/api/v1/messaging/receive-batch",
        data=body,
        content_type=content_type or "application/fhir+json",
        headers={"Authorization": f"Bearer {token}", "Accept-Language": "en"},
    )
    assert response.status_code == status
    assert says in response.json()["detail"]
    assert counts() == (0, 0, 0) and Receipt.objects.count() == 0


def test_api_refuses_a_batch_too_large_or_too_long(client, token, settings):
    auth = {"Authorization": f"Bearer {token}", "Accept-Language": "en"}
    settings.ENPLAN_RECEIVE_BATCH_MAX_ENTRIES = 2
    bundles = [fhir.build(message()) for _ in range(3)]
    long = client.post(
        "/api/v1/messaging/receive-batch",
        data=_batch(*bundles),
        content_type="application/fhir+json",
        headers=auth,
    )
    assert long.status_code == 422 and "1 to 2 messages" in long.json()["detail"]
    settings.ENPLAN_MESSAGE_MAX_BYTES = 100
    big = client.post(
        "/api/v1/messaging/receive-batch",
        data=_batch(bundles[0]),
        content_type="application/fhir+json",
        headers=auth,
    )
    assert big.status_code == 413 and "at most 100" in big.json()["detail"]
    assert counts() == (0, 0, 0)


def test_api_receive_batch_needs_a_token(client, orgs):
    response = client.post(
        "/api/v1/messaging/receive-batch",
        data=_batch(fhir.build(message())),
        content_type="application/fhir+json",
    )
    assert response.status_code == 401
    assert Message.objects.count() == 0
