"""Browser: a caseworker writes to the psychiatry contact, who replies; both see the thread.
Without the citizen's consent the message is blocked with an explanation."""

import datetime

import pytest
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

    for recipient in (psychiatry, caseworker.organisation):  # both directions
        give(
            citizen,
            caseworker.user,
            Consent(
                recipient_organisation=recipient,
                categories=[Category.MESSAGES],
                purpose="Samarbejde om netværksmødet",
                valid_from=datetime.date.today(),
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
    expect(en_page.get_by_role("button", name="Send reply")).to_be_visible()
    expect(en_page.locator("ol.thread")).to_contain_text("Ja, jeg kommer kl. 10.")
    english.close()
