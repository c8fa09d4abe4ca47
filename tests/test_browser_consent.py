"""Browser: consent decides, at the next page load, what psychiatry sees of the jobcenter's plan."""

import pytest
from playwright.sync_api import expect

from enplan.consent.models import Consent
from enplan.plans import services

from .conftest import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

GOAL = "Komme i praktik i en dyrehandel"


def test_psychiatry_sees_the_plan_under_consent_until_withdrawn(
    page, browser, live_server, citizen, plan, caseworker, psych
):
    services.add_goal(plan, caseworker.user, plan.version, {"title": GOAL, "status": "open"})
    plan_url = f"/citizens/{citizen.uuid}/plan/"

    # The psychiatry contact, in the network but without consent: told it exists, not shown.
    psych_ctx = browser.new_context(base_url=live_server.url, locale="da-DK")
    psych_page = psych_ctx.new_page()
    browser_login(psych_page, psych)
    psych_page.goto(plan_url)
    expect(psych_page.locator("#plan-body .not-shared").first).to_be_visible()
    expect(psych_page.locator("#plan-body")).not_to_contain_text(GOAL)

    # The caseworker records the citizen's consent on the consent page.
    browser_login(page, caseworker)
    page.goto(f"/citizens/{citizen.uuid}/consent/")
    page.select_option("select[name=recipient_organisation]", str(psych.organisation.uuid))
    page.check("input[name=categories][value=plan]")
    page.fill("textarea[name=purpose]", "Fælles plan med psykiatrien")
    page.select_option("select[name=given_how]", "written")
    page.locator("form:has(textarea[name=purpose]) button.primary").click()
    expect(page.locator("ul.consents li.active")).to_have_count(1)
    assert Consent.objects.in_force().filter(citizen=citizen).count() == 1

    psych_page.reload()
    expect(psych_page.locator("#plan-body")).to_contain_text(GOAL)

    # The citizen withdraws; the caseworker records it. The very next load no longer shows it.
    page.locator("ul.consents li.active form.withdraw button").click()
    expect(page.locator("ul.consents li.withdrawn")).to_have_count(1)
    psych_page.reload()
    expect(psych_page.locator("#plan-body")).not_to_contain_text(GOAL)
    expect(psych_page.locator("#plan-body .not-shared").first).to_be_visible()
    psych_ctx.close()


def test_access_log_tab_shows_who_looked_in_both_languages(page, citizen, caseworker, psych):
    from django.test import Client

    other = Client()
    other.force_login(psych.user)
    other.get(f"/citizens/{citizen.uuid}/plan/")  # psychiatry looks at the plan
    browser_login(page, caseworker)
    page.goto(f"/citizens/{citizen.uuid}/")
    page.locator(f"a[href='/citizens/{citizen.uuid}/access-log/']").click()
    table = page.locator("table.list")
    expect(table).to_contain_text("Lene Test, Lokalpsykiatri Test, læste planen")
    page.locator("button[name=language][value=en]").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h2")).to_contain_text("Who has looked at the citizen's data")
    expect(page.locator("table.list")).to_contain_text(
        "Lene Test, Lokalpsykiatri Test, read the plan"
    )
