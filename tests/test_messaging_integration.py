"""MedCom receipt is for systems (issue 10.4): only a message integration's key gets in, the
sender a message claims must be one the integration is bound to, an unknown sender waits in
triage without any organisation being created, and the audit log names the integration."""

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from enplan.accounts.models import ApiToken
from enplan.audit.models import AuditEntry
from enplan.messaging import fhir
from enplan.messaging.models import MessageIntegration, OutboxEntry, Receipt, Thread
from enplan.organisations.models import Organisation

from .test_messaging_receive import (
    AABENRAA,
    AUH,
    EXAMPLE_SORS,
    RECEIVE,
    _batch,
    counts,
    ct,
    message,
)
from .test_messaging_receive import bruno as make_bruno
from .test_messaging_receive import english as in_english
from .test_messaging_receive import nurse as make_nurse
from .test_messaging_receive import orgs as example_orgs

# The fixtures of the receiving tests, under their own names here.
english = pytest.fixture(autouse=True)(in_english.__wrapped__)
orgs = pytest.fixture(example_orgs.__wrapped__)
nurse = pytest.fixture(make_nurse.__wrapped__)
bruno = pytest.fixture(make_bruno.__wrapped__)

RECEIVE_URL = "/api/v1/messaging/receive"
BATCH_URL = "/api/v1/messaging/receive-batch"
UNKNOWN = "999999999999999"  # a SOR code no organisation here has


def post(client, key, data, content_type="application/fhir+json", url=RECEIVE_URL):
    headers = {"Authorization": f"Bearer {key}", "Accept-Language": "en"}
    return client.post(url, data=data, content_type=content_type, headers=headers)


def test_a_personal_token_cannot_deliver_messages(client, bruno, nurse):
    """Today's hole: any professional's token could post a message claiming any sender."""
    _token, raw = ApiToken.issue(nurse.user, "mine")
    data = fhir.to_json(fhir.build(message()))
    assert post(client, raw, data).status_code == 401
    assert post(client, raw, _batch(fhir.build(message())), url=BATCH_URL).status_code == 401
    client.force_login(nurse.user)
    assert client.post(RECEIVE_URL, data, content_type="application/fhir+json").status_code == 401
    assert counts() == (0, 0, 0) and Receipt.objects.count() == 0


def test_the_sender_must_be_one_the_integration_is_bound_to(client, bruno):
    _i, key = MessageIntegration.issue("Herlev system", ["265161000016000"])
    response = post(client, key, fhir.to_json(fhir.build(message(sender=AUH))))
    assert response.status_code == 403
    ack = response.json()
    assert ack["entry"][0]["resource"]["response"]["code"] == "fatal-error"
    assert "may not deliver messages from sender SOR 441211000016000" in json.dumps(ack)
    assert response["X-Enplan-Outcome"] == "rejected"
    assert counts() == (0, 0, 0)
    # The claimed sender is not sent the refusal: only the integration hears of it.
    assert not OutboxEntry.objects.exists()
    receipt = Receipt.objects.get()
    assert receipt.outcome == "rejected" and receipt.integration.name == "Herlev system"


def test_a_batch_refuses_only_the_entries_of_senders_not_bound(client, bruno):
    _i, key = MessageIntegration.issue("AUH system", [AUH])
    ours, theirs = fhir.build(message(sender=AUH)), fhir.build(message(sender="265161000016000"))
    response = post(client, key, _batch(ours, theirs), url=BATCH_URL)
    assert response.status_code == 200
    assert [e["response"]["status"] for e in response.json()["entry"]] == ["200", "403"]
    assert counts() == (1, 1, 1)


def test_a_revoked_key_is_refused(client, bruno):
    integration, key = MessageIntegration.issue("old adapter", EXAMPLE_SORS)
    integration.revoke()
    assert post(client, key, fhir.to_json(fhir.build(message()))).status_code == 401


def test_an_unknown_sender_waits_in_triage_and_creates_no_organisation(client, bruno):
    before = Organisation.objects.count()
    _i, key = MessageIntegration.issue("VANS", [], any_sender=True)
    response = post(client, key, fhir.to_json(fhir.build(message(sender=UNKNOWN))))
    assert response.status_code == 200, response.content
    assert Organisation.objects.count() == before
    thread = Thread.objects.get()
    assert thread.partner is None and thread.citizen is None  # triage, though the CPR is known
    assert thread.partner_sor == UNKNOWN and thread.partner_name == "Afsender"
    assert UNKNOWN in thread.correspondent
    assert Thread.objects.triage().get() == thread


def test_audit_names_the_integration(client, bruno):
    _i, key = MessageIntegration.issue("VANS Aabenraa", EXAMPLE_SORS)
    assert post(client, key, RECEIVE[0].read_bytes(), ct(RECEIVE[0])).status_code == 200
    entry = AuditEntry.objects.get(object_type="message")
    assert entry.actor == "integration:VANS Aabenraa" and entry.actor_name == "VANS Aabenraa"
    assert entry.role == "integration" and entry.user_id is None
    assert entry.context["integration"] == "VANS Aabenraa"
    assert entry.citizen_uuid == bruno.uuid
    assert Receipt.objects.get().integration.name == "VANS Aabenraa"


def test_create_and_revoke_commands(client, bruno):
    out = io.StringIO()
    call_command("create_message_integration", "Drop", "--sor", AUH, "--sor", AABENRAA, stdout=out)
    key = out.getvalue().strip()
    integration = MessageIntegration.objects.get(name="Drop")
    assert key.startswith("enpi_") and key not in integration.key_hash
    assert integration.sender_sors == sorted([AUH, AABENRAA]) and not integration.any_sender
    assert post(client, key, fhir.to_json(fhir.build(message()))).status_code == 200
    with pytest.raises(CommandError, match="exists already"):
        call_command("create_message_integration", "Drop", "--sor", AUH, stdout=io.StringIO())
    with pytest.raises(CommandError, match="SOR"):
        call_command("create_message_integration", "X", "--sor", "１２３", stdout=io.StringIO())
    with pytest.raises(CommandError, match="--sor"):
        call_command("create_message_integration", "Y", stdout=io.StringIO())
    call_command("revoke_message_integration", "Drop", stdout=io.StringIO())
    assert post(client, key, fhir.to_json(fhir.build(message()))).status_code == 401


def test_the_file_command_runs_as_a_named_integration(bruno, tmp_path):
    path = tmp_path / "m.json"
    path.write_bytes(fhir.to_json(fhir.build(message(sender=AUH))))
    with pytest.raises(CommandError, match="No active message integration"):
        call_command("receive_carecommunication", "--integration", "nobody", str(path))
    MessageIntegration.issue("folder", ["265161000016000"])
    out = io.StringIO()
    call_command("receive_carecommunication", "--integration", "folder", str(path), stdout=out)
    line = json.loads(out.getvalue())
    assert line["outcome"] == "rejected" and "may not deliver" in line["reason"]
    MessageIntegration.issue("folder 2", [AUH])
    out = io.StringIO()
    call_command("receive_carecommunication", "--integration", "folder 2", str(path), stdout=out)
    assert json.loads(out.getvalue())["outcome"] == "accepted"
    assert Receipt.objects.filter(integration__name="folder 2", outcome="accepted").exists()
