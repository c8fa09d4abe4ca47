"""Browser, real Chromium: the certificate flow of issue 14.

A caseworker requests a certificate from the citizen's GP (whose practice does not use
enplan) and meets the duplicate guard and the timing guard; with a reason the request goes out
as CareCommunication, written by the folder transport as a Bundle that parses. The GP's reply
comes back through the receive command, joins the thread and moves the request to
*answered*; the caseworker closes it with how the answer was used; the turnaround appears on
the agreement's compliance. Set ENPLAN_SCREENSHOTS=dir to keep screenshots for the README.
"""

import os
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from enplan.certificates import services as certificates
from enplan.certificates.models import CertificateKind, CertificateRequest, Status
from enplan.consent.models import Category
from enplan.cooperation import services as cooperation
from enplan.messaging import fhir
from enplan.messaging.outbox import deliver
from enplan.network.models import NetworkRole
from enplan.network.services import add_member
from enplan.organisations.models import Sector

from .conftest import browser_login, make_org
from .test_certificates import consent, reply_from, spec

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _shot(page, name: str) -> None:
    folder = os.environ.get("ENPLAN_SCREENSHOTS")
    if folder:
        page.screenshot(path=os.path.join(folder, name), full_page=True)


def test_request_guard_send_reply_close_and_compliance(
    page, citizen, caseworker, tmp_path, settings
):
    settings.ENPLAN_MESSAGE_TRANSPORT = str(tmp_path)
    kind, _new = CertificateKind.objects.get_or_create(name="Statusattest (LÆ 265)")
    gp = make_org("Lægehuset Vestergade", Sector.GENERAL_PRACTICE, "900000000000555")
    gp.uses_enplan = False
    gp.save()
    add_member(citizen, caseworker.user, role=NetworkRole.GP, organisation=gp)
    consent(citizen, caseworker, caseworker.organisation, gp, [Category.MESSAGES])
    consent(citizen, caseworker, gp, caseworker.organisation, [Category.HEALTH])
    agreement = cooperation.create_agreement(
        caseworker.user,
        {
            "title": "Attestsamarbejde",
            "responsibilities": "Jobcentret spørger konkret; lægen svarer om helbred.",
            "shared_categories": ["health"],
            "legal_basis": "Samtykke",
            "channel": "carecommunication",
            "valid_from": timezone.localdate() - timedelta(days=60),
        },
        [gp],
        [],
    )
    earlier = certificates.create_request(caseworker.user, citizen, spec(kind, gp))
    certificates.record_answer(caseworker.user, earlier, health_assessment="Søvnbesvær, træt.")
    assert deliver() == (1, 0)
    for f in (tmp_path / gp.sor_code).iterdir():
        f.unlink()

    browser_login(page, caseworker)
    page.goto(f"/citizens/{citizen.uuid}/certificates/")
    page.get_by_role("link", name="Anmod om en attest").click()
    expect(page.locator("#timing-guard")).to_contain_text("behandlingsforløb")
    page.select_option("select[name=kind]", label=kind.name)
    page.select_option("select[name=recipient]", label=gp.name)
    page.fill("textarea[name=purpose]", "Vi overvejer en praktik på en planteskole, 10 timer.")
    page.fill("textarea[name=questions]", "Kan borgeren arbejde udendørs i 2 timer ad gangen?")
    page.fill("input[name=wanted_by]", (timezone.localdate() + timedelta(days=10)).isoformat())
    page.check("input[name=timing_consulted][value=yes]")
    page.fill("input[name=timing_note]", "Talt med klinikkens socialrådgiver.")
    page.get_by_role("button", name="Send anmodningen").click()
    guard = page.locator("#duplicate-guard")
    expect(guard).to_contain_text("tre måneder")
    expect(guard).to_contain_text("Søvnbesvær")  # the earlier answer, shared under consent
    assert CertificateRequest.objects.count() == 1
    _shot(page, "certificate-request.png")
    page.fill("textarea[name=duplicate_reason]", "Ny praktik overvejes; helbredet er ændret.")
    page.get_by_role("button", name="Send anmodningen").click()
    expect(page.locator("#certificate-status")).to_have_text("Bestilt")
    req = CertificateRequest.objects.exclude(pk=earlier.pk).get()
    assert req.duplicate_of == earlier

    assert deliver() == (1, 0)
    (file,) = (tmp_path / gp.sor_code).iterdir()
    sent, bundle = fhir.parse(file.read_bytes(), "application/fhir+json")
    assert bundle["resourceType"] == "Bundle" and "planteskole" in sent.payloads[0].text

    reply = tmp_path / "svar.json"
    reply.write_bytes(reply_from(gp, sent, citizen, "Kan arbejde udendørs 2 timer ad gangen."))
    from enplan.messaging.models import MessageIntegration

    MessageIntegration.issue("drop folder", [gp.sor_code])
    call_command("receive_carecommunication", "--integration", "drop folder", str(reply))
    page.reload()
    expect(page.locator("#certificate-status")).to_have_text("Besvaret")
    expect(page.locator(".answer")).to_contain_text("udendørs 2 timer")
    page.fill("textarea[name=used_note]", "Praktikken tilrettelægges med 2 timer udendørs.")
    page.get_by_role("button", name="Luk anmodningen").click()
    expect(page.locator("#certificate-status")).to_have_text("Brugt")
    assert CertificateRequest.objects.with_progress().get(pk=req.pk).status == Status.USED

    page.goto(f"/cooperation/{agreement.uuid}/")
    expect(page.locator("#certificates-total")).to_have_text("2")
    expect(page.locator("#certificates-on-time")).to_have_text("2")
    expect(page.locator("#certificates-median")).to_have_text("0 dage")
    _shot(page, "agreement-compliance.png")
