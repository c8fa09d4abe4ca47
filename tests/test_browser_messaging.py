"""Browser: a caseworker writes to the psychiatry contact, who replies; both see the thread.
Without the citizen's consent the message is blocked with an explanation."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from enplan.consent.models import Category, Consent
from enplan.consent.services import give
from enplan.messaging.models import Thread

from .conftest import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _write(page, citizen, psychiatry, text):
    page.goto(f"/citizens/{citizen.uuid}/messages/")
    page.get_by_role("link", name="Ny besked").click()
    page.select_option("select[name=partner]", str(psychiatry.uuid))
    page.select_option("select[name=category]", "psychiatry-social-disability")
    page.fill("input[name=topic]", "Netværksmøde")
    page.fill("textarea[name=text]", text)
    page.get_by_role("button", name="Send").click()


def test_caseworker_and_psychiatry_correspond_under_consent(
    page, browser, live_server, citizen, caseworker, psych, psychiatry
):
    browser_login(page, caseworker)
    _write(page, citizen, psychiatry, "Kan du deltage i netværksmødet tirsdag?")
    alert = page.locator("form .error[role=alert]")
    expect(alert).to_contain_text("har ikke givet samtykke til at dele beskeder")
    expect(alert).to_contain_text(psychiatry.name)
    assert Thread.objects.count() == 0

    for source, recipient in (  # both directions
        (caseworker.organisation, psychiatry),
        (psychiatry, caseworker.organisation),
    ):
        give(
            citizen,
            caseworker.user,
            Consent(
                source_organisation=source,
                recipient_organisation=recipient,
                categories=[Category.MESSAGES],
                purpose="Samarbejde om netværksmødet",
                valid_from=timezone.localdate(),
                given_how="written",
            ),
        )
    _write(page, citizen, psychiatry, "Kan du deltage i netværksmødet tirsdag?")
    expect(page.locator("ol.thread")).to_contain_text("Kan du deltage i netværksmødet tirsdag?")
    expect(page.locator(".delivery")).to_contain_text("Leveret")

    psych_ctx = browser.new_context(base_url=live_server.url, locale="da-DK")
    psych_page = psych_ctx.new_page()
    browser_login(psych_page, psych)
    psych_page.goto("/messages/")
    row = psych_page.locator("tr.unread", has_text=citizen.full_name)
    expect(row).to_contain_text("Ulæst")
    row.get_by_role("link", name=citizen.full_name).click()
    expect(psych_page.locator("ol.thread")).to_contain_text("netværksmødet tirsdag")
    psych_page.fill("textarea[name=text]", "Ja, jeg kommer kl. 10.")
    psych_page.get_by_role("button", name="Send svar").click()
    expect(psych_page.locator("ol.thread li")).to_have_count(2)
    psych_ctx.close()

    page.reload()
    thread = page.locator("ol.thread")
    expect(thread.locator("li")).to_have_count(2)
    expect(thread.locator("li.unread")).to_contain_text("Ja, jeg kommer kl. 10.")

    english = browser.new_context(base_url=live_server.url, locale="en-GB")
    en_page = english.new_page()
    browser_login(en_page, caseworker)
    en_page.goto(page.url)
    # An English browser still gets Danish until the user chooses English.
    expect(en_page.get_by_role("button", name="Send svar")).to_be_visible()
    en_page.locator("button[name=language][value=en]").click()
    expect(en_page.get_by_role("button", name="Send reply")).to_be_visible()
    expect(en_page.locator("ol.thread")).to_contain_text("Ja, jeg kommer kl. 10.")
    english.close()


def test_triage_forward_and_notification_switches(
    page, live_server, citizen, caseworker, psych, psychiatry
):
    from enplan.messaging import fhir
    from enplan.messaging.receiving import receive
    from enplan.network.models import NetworkRole
    from enplan.network.services import add_member

    from .conftest import make_org
    from .test_messaging_receive import message

    clinic = make_org("Traumeklinik Browser", "traumeklinik", "900000000000088")
    add_member(citizen, caseworker.user, role=NetworkRole.TREATMENT, organisation=clinic)
    for recipient in (psychiatry, clinic):
        give(
            citizen,
            caseworker.user,
            Consent(
                source_organisation=caseworker.organisation,
                recipient_organisation=recipient,
                categories=[Category.MESSAGES],
                purpose="Samarbejde",
                valid_from=timezone.localdate(),
                given_how="written",
            ),
        )
    # A message from outside (a sender the directory knows) about a person known only by a
    # replacement number.
    auh = make_org("Klinik for Ældresygdomme, AUH", "other", "441211000016000")
    auh.uses_enplan = False
    auh.save()
    cc = message(
        receiver=caseworker.organisation.sor_code,
        sender="441211000016000",
        identifiers=[("urn:oid:1.2.208.176.1.6.1.3.177", "1206550VK9")],
        text="Borgeren er udskrevet i dag.",
    )
    assert receive(fhir.to_json(fhir.build(cc)), channel="test").outcome == "accepted"

    browser_login(page, caseworker)
    page.goto("/messages/")
    page.locator("section", has_text="Visitation").get_by_role("link").first.click()
    expect(page.locator("main")).to_contain_text("1206550VK9")
    page.fill("input[name=cpr]", "0101010000")
    page.get_by_role("button", name="Knyt").click()
    expect(page.locator(".error").first).to_be_visible()  # no such citizen: nothing attached
    assert Thread.objects.get().citizen is None
    page.fill("input[name=cpr]", citizen.cpr)
    page.get_by_role("button", name="Knyt").click()
    expect(page.locator("ol.thread")).to_contain_text("Borgeren er udskrevet i dag.")
    assert citizen.identifiers.get().value == "1206550VK9"

    # Forward the whole thread to the clinic: a new thread there.
    page.select_option("form[action$='/forward/'] select[name=partner]", str(clinic.uuid))
    page.fill("form[action$='/forward/'] textarea[name=text]", "Til orientering.")
    page.get_by_role("button", name="Videresend").click()
    expect(page.locator("ol.thread li")).to_have_count(2)
    expect(page.locator("main")).to_contain_text("videresendt fra en anden tråd")
    assert Thread.objects.filter(organisation=clinic).count() == 1

    # Switch one kind of notification off towards psychiatry.
    page.goto("/messages/notifications/")
    # One group of checkboxes per partner (fieldset and legend).
    group = page.get_by_role("group", name=psychiatry.name)
    box = group.get_by_label("Koordinerende sagsbehandler tildelt")
    expect(box).to_be_checked()
    box.uncheck()
    page.get_by_role("button", name="Gem").click()
    expect(
        page.get_by_role("group", name=psychiatry.name).get_by_label(
            "Koordinerende sagsbehandler tildelt"
        )
    ).not_to_be_checked()
