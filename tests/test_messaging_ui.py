"""Message pages and systematic notifications: writing, replying, attachments, consent,
triage, access, and the notifications of DOMAIN.md item 7."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from enplan.consent.models import Category, Consent
from enplan.consent.services import give
from enplan.messaging.models import NotificationKind, NotificationSetting, Thread
from enplan.network.models import NetworkRole
from enplan.network.services import add_member, hand_over
from enplan.organisations.models import Organisation, Profession, Sector
from enplan.plans import services as plan_services

from .conftest import make_org, make_professional

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"


def consent(citizen, actor, org=None, sector="", categories=(Category.MESSAGES,), source=None):
    """Recorded by `actor` (the coordinator), from `source` (default: the actor's
    organisation)."""
    return give(
        citizen,
        actor,
        Consent(
            source_organisation=source or actor.professional.organisation,
            recipient_organisation=org,
            recipient_sector=sector,
            categories=list(categories),
            purpose="Samarbejde om planen",
            valid_from=timezone.localdate(),
            given_how="written",
        ),
    )


def compose(client, citizen, partner, text="Kan vi mødes?", **extra):
    return client.post(
        f"/citizens/{citizen.uuid}/messages/new/",
        {
            "partner": partner.uuid,
            "category": "psychiatry-social-disability",
            "topic": "Møde",
            "text": text,
            **extra,
        },
    )


def test_write_and_reply_between_jobcenter_and_psychiatry(
    client, citizen, caseworker, psych, psychiatry
):
    consent(citizen, caseworker.user, org=psychiatry)
    consent(citizen, caseworker.user, org=caseworker.organisation, source=psychiatry)  # back
    client.force_login(caseworker.user)
    response = compose(client, citizen, psychiatry)
    assert response.status_code == 302
    ours = Thread.objects.get(organisation=caseworker.organisation)
    theirs = Thread.objects.get(organisation=psychiatry)
    assert ours.communication_id == theirs.communication_id
    assert ours.messages.get().state == "acknowledged"  # delivered within enplan
    client.force_login(psych.user)
    inbox = client.get("/messages/").content.decode()
    assert citizen.full_name in inbox and "Ulæst" in inbox
    page = client.get(f"/citizens/{citizen.uuid}/messages/{theirs.uuid}/").content.decode()
    assert "Kan vi mødes?" in page and "Mette Test" in page
    reply = client.post(
        f"/citizens/{citizen.uuid}/messages/{theirs.uuid}/reply/", {"text": "Ja, tirsdag kl. 10"}
    )
    assert reply.status_code == 302
    client.force_login(caseworker.user)
    page = client.get(f"/citizens/{citizen.uuid}/messages/{ours.uuid}/").content.decode()
    assert page.index("Kan vi mødes?") < page.index("Ja, tirsdag kl. 10")
    assert ours.segments.count() == 2 and theirs.segments.count() == 2


def test_writing_without_consent_is_blocked_with_an_explanation(
    client, citizen, caseworker, psychiatry
):
    client.force_login(caseworker.user)
    response = compose(client, citizen, psychiatry)
    assert response.status_code == 422
    body = response.content.decode()
    assert "samtykke" in body and psychiatry.name in body
    assert Thread.objects.count() == 0


def test_withdrawn_consent_hides_the_messages_from_the_other_organisation(
    client, citizen, caseworker, psych, psychiatry
):
    from enplan.consent.services import withdraw

    given = consent(citizen, caseworker.user, org=psychiatry)
    client.force_login(caseworker.user)
    compose(client, citizen, psychiatry, text="FORTROLIGT-INDHOLD")
    theirs = Thread.objects.get(organisation=psychiatry)
    withdraw(given, caseworker.user, "Borgeren trak samtykket")
    client.force_login(psych.user)
    page = client.get(f"/citizens/{citizen.uuid}/messages/{theirs.uuid}/").content.decode()
    assert "FORTROLIGT-INDHOLD" not in page and "ikke delt" in page


def test_attachments_are_checked_stored_and_downloaded(client, citizen, caseworker, psychiatry):
    consent(citizen, caseworker.user, org=psychiatry)
    client.force_login(caseworker.user)
    fake = compose(
        client,
        citizen,
        psychiatry,
        attachments=[SimpleUploadedFile("virus.pdf", b"MZ\x90\x00", "application/pdf")],
    )
    assert fake.status_code == 422 and "er ikke reelt af typen" in fake.content.decode()
    wrong_type = compose(
        client,
        citizen,
        psychiatry,
        attachments=[SimpleUploadedFile("x.exe", b"MZ\x90\x00", "application/x-msdownload")],
    )
    assert wrong_type.status_code == 422
    assert Thread.objects.count() == 0
    ok = compose(
        client,
        citizen,
        psychiatry,
        attachments=[SimpleUploadedFile("notat.pdf", PDF, "application/pdf")],
    )
    assert ok.status_code == 302
    thread = Thread.objects.get(organisation=caseworker.organisation)
    seg = thread.segments.get(kind="attachment")
    download = client.get(
        f"/citizens/{citizen.uuid}/messages/{thread.uuid}/attachments/{seg.uuid}/"
    )
    assert download.status_code == 200
    assert download.content == PDF
    assert download["Content-Type"] == "application/pdf"
    assert download["X-Content-Type-Options"] == "nosniff"
    assert "attachment" in download["Content-Disposition"]


def test_another_organisations_thread_is_refused_and_audited(
    client, citizen, caseworker, psych, psychiatry
):
    from enplan.audit.models import AuditEntry

    consent(citizen, caseworker.user, org=psychiatry)
    client.force_login(caseworker.user)
    compose(client, citizen, psychiatry)
    ours = Thread.objects.get(organisation=caseworker.organisation)
    client.force_login(psych.user)
    response = client.get(f"/citizens/{citizen.uuid}/messages/{ours.uuid}/")
    assert response.status_code == 403
    assert AuditEntry.objects.filter(action="refused", object_type="thread").exists()


def test_outsider_and_manager_get_nothing(client, citizen, caseworker, outsider, manager):
    client.force_login(outsider.user)
    assert client.get(f"/citizens/{citizen.uuid}/messages/").status_code == 404
    client.force_login(manager)
    assert client.get("/messages/").status_code == 403


def test_triage_attaches_a_message_to_a_citizen(client, citizen, caseworker):
    from enplan.messaging import fhir
    from enplan.messaging.receiving import receive

    from .test_messaging_receive import message

    caseworker.organisation.ean = ""
    cc = message(
        receiver=caseworker.organisation.sor_code, sender="441211000016000", cpr="0101901234"
    )
    assert receive(fhir.to_json(fhir.build(cc)), channel="test").outcome == "accepted"
    thread = Thread.objects.get()
    client.force_login(caseworker.user)
    inbox = client.get("/messages/").content.decode()
    assert "0101901234" not in inbox and "Afsender" in inbox
    page = client.get(f"/messages/{thread.uuid}/")
    assert page.status_code == 200 and "0101901234" in page.content.decode()
    bad = client.post(f"/messages/{thread.uuid}/", {"cpr": "0101010000"})
    assert bad.status_code == 422
    # The sender is not in the directory: no organisation was created from the message,
    # and the thread cannot be attached (or answered) until an administrator adds it.
    assert thread.partner is None and thread.partner_sor == "441211000016000"
    assert not Organisation.objects.filter(sor_code="441211000016000").exists()
    unknown = client.post(f"/messages/{thread.uuid}/", {"cpr": citizen.cpr, "remember": "on"})
    assert unknown.status_code == 422
    assert "SOR 441211000016000" in unknown.content.decode()
    thread.refresh_from_db()
    assert thread.citizen is None
    auh = Organisation.objects.create(name="AUH", sector="other", sor_code="441211000016000")
    ok = client.post(f"/messages/{thread.uuid}/", {"cpr": citizen.cpr, "remember": "on"})
    assert ok.status_code == 302
    thread.refresh_from_db()
    assert thread.citizen == citizen and thread.partner == auh
    assert citizen.identifiers.get().value == "0101901234"


def test_pages_in_english(client, citizen, caseworker, psychiatry):
    consent(citizen, caseworker.user, org=psychiatry)
    client.force_login(caseworker.user)
    compose(client, citizen, psychiatry)
    thread = Thread.objects.get(organisation=caseworker.organisation)
    client.cookies["django_language"] = "en"
    page = client.get(f"/citizens/{citizen.uuid}/messages/{thread.uuid}/").content.decode()
    assert "Send reply" in page and "Forward the thread" not in page or "Reply" in page
    client.cookies["django_language"] = "da"
    page = client.get(f"/citizens/{citizen.uuid}/messages/{thread.uuid}/").content.decode()
    assert "Send svar" in page


# --- systematic notifications ---------------------------------------------------------------


@pytest.fixture
def gp(citizen, caseworker):
    practice = make_org("Lægehuset Test", Sector.GENERAL_PRACTICE, "900000000000009")
    doctor = make_professional("gunnar", practice, Profession.GP)
    add_member(citizen, caseworker.user, role=NetworkRole.GP, professional=doctor)
    return practice


def test_new_coordinator_is_notified_to_the_gp_with_consent(citizen, caseworker, gp):
    successor = make_professional("jonas", caseworker.organisation)
    hand_over(citizen, caseworker.user, to_professional=successor, note="Overdragelse")
    assert not Thread.objects.filter(partner=gp).exists()  # no consent: nothing sent
    consent(citizen, successor.user, org=gp)  # the coordinator now: only she hands over
    hand_over(citizen, successor.user, to_professional=caseworker, note="Tilbage igen")
    thread = Thread.objects.get(organisation=gp)
    assert thread.notification_kind == NotificationKind.COORDINATOR_ASSIGNED
    assert "Mette Test" in thread.segments.get().text


def test_a_switched_off_notification_is_not_sent(client, citizen, caseworker, gp):
    consent(citizen, caseworker.user, org=gp)
    client.force_login(caseworker.user)
    page = client.get("/messages/notifications/")
    assert gp.name in page.content.decode()
    client.post("/messages/notifications/", {})  # every box unticked
    assert NotificationSetting.objects.filter(partner=gp, enabled=False).count() == len(
        NotificationKind
    )
    hand_over(
        citizen,
        caseworker.user,
        to_professional=make_professional("jonas", caseworker.organisation),
        note="Ny",
    )
    assert not Thread.objects.filter(partner=gp).exists()


def _activity(plan, actor, org, **fields):
    plan.refresh_from_db()
    return plan_services.add_activity(
        plan,
        actor,
        plan.version,
        {
            "title": fields.pop("title", "Ambulant behandling"),
            "starts_on": fields.pop("starts_on", timezone.localdate()),
            "ends_on": fields.pop("ends_on", timezone.localdate() + datetime.timedelta(84)),
            "organisation": org,
            "purpose": "Stabilisering af angst",
            "legal_basis": "sundhedsloven",
            "status": "ongoing",
            **fields,
        },
    )


def test_treatment_started_and_ended_are_notified_to_the_jobcenter(
    citizen, caseworker, psych, psychiatry, plan
):
    consent(citizen, caseworker.user, org=caseworker.organisation, source=psychiatry)
    activity = _activity(plan, psych.user, psychiatry)
    started = Thread.objects.get(organisation=caseworker.organisation)
    assert started.notification_kind == NotificationKind.TREATMENT_STARTED
    assert "Ambulant behandling" in started.segments.get().text
    plan.refresh_from_db()
    plan_services.update_activity(
        activity,
        psych.user,
        plan.version,
        {"status": "done", "evaluation": "Afsluttet, angst reduceret"},
    )
    ended = Thread.objects.get(
        organisation=caseworker.organisation, notification_kind=NotificationKind.TREATMENT_ENDED
    )
    assert "Afsluttet, angst reduceret" in ended.segments.get().text


def test_planned_work_placement_asks_the_gp_for_comments(citizen, caseworker, gp, plan):
    consent(citizen, caseworker.user, sector=Sector.GENERAL_PRACTICE)
    _activity(
        plan,
        caseworker.user,
        caseworker.organisation,
        title="Virksomhedspraktik",
        starts_on=timezone.localdate() + datetime.timedelta(14),
        legal_basis="lab",
        status="planned",
    )
    thread = Thread.objects.get(organisation=gp)
    assert thread.notification_kind == NotificationKind.INTERVENTION_PLANNED
    assert "Virksomhedspraktik" in thread.segments.get().text
