"""Browser: consent decides, at the next page load, what psychiatry sees of the jobcenter's plan."""

import pytest
from django.utils import timezone
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


REFUSED = {
    "da": "ikke af modtageren selv",
    "en": "not by the recipient for itself",
}
RECORDED = {"da": "Samtykket er registreret", "en": "The consent is recorded"}


@pytest.mark.parametrize("language", ["da", "en"])
def test_the_disclosing_side_records_and_the_recipient_is_refused(
    language, page, citizen, caseworker, psych, psychiatry
):
    browser_login(page, psych)
    page.goto(f"/citizens/{citizen.uuid}/consent/")
    if language == "en":
        page.locator("button[name=language][value=en]").click()
        expect(page.locator("html")).to_have_attribute("lang", "en")

    # Psychiatry discloses its own information (preselected as "from") to the jobcenter.
    form = page.locator("form:has(textarea[name=purpose])")
    expect(form.locator("select[name=source_organisation]")).to_have_value(str(psychiatry.uuid))
    form.locator("select[name=recipient_organisation]").select_option(
        str(caseworker.organisation.uuid)
    )
    form.locator("input[name=categories][value=health]").check()
    form.locator("textarea[name=purpose]").fill("Behandlingsforløbet til jobcentret")
    form.locator("select[name=given_how]").select_option("verbal")
    form.locator("button.primary").click()
    expect(page.locator("body")).to_contain_text(RECORDED[language])
    expect(page.locator("ul.consents li.active")).to_have_count(1)
    recorded = Consent.objects.get()
    assert recorded.source_organisation == psychiatry and recorded.recorded_by == psych.user

    # As the recipient, psychiatry cannot record the jobcenter's information for itself.
    form = page.locator("form:has(textarea[name=purpose])")
    form.locator("select[name=source_organisation]").select_option(
        str(caseworker.organisation.uuid)
    )
    form.locator("select[name=recipient_organisation]").select_option(str(psychiatry.uuid))
    form.locator("input[name=categories][value=plan]").check()
    form.locator("textarea[name=purpose]").fill("Se jobcentrets plan")
    form.locator("select[name=given_how]").select_option("verbal")
    form.locator("button.primary").click()
    expect(page.locator("main")).to_contain_text(REFUSED[language])
    assert Consent.objects.count() == 1

    # An empty submit names each missing field in the page's language, nothing technical.
    page.goto(f"/citizens/{citizen.uuid}/consent/")
    page.locator("form:has(textarea[name=purpose]) button.primary").click()
    body = page.locator("main")
    expect(body).not_to_contain_text("consent_has")
    expect(body).not_to_contain_text("Constraint")
    expect(page.locator("form:has(textarea[name=purpose])")).to_contain_text(
        "Vælg mindst én slags oplysninger"
        if language == "da"
        else "Choose at least one kind of information."
    )


OWN = {"da": "din opgave", "en": "your task"}


@pytest.mark.parametrize("language", ["da", "en"])
def test_the_responsible_person_sees_her_own_task_and_nothing_more(
    language, page, citizen, plan, caseworker, psych, psychiatry
):
    import datetime

    responsible = citizen.memberships.get(professional=psych)
    task = services.add_activity(
        plan,
        caseworker.user,
        plan.version,
        {
            "title": "Samtale om arbejdsprøvning",
            "starts_on": timezone.localdate(),
            "ends_on": timezone.localdate() + datetime.timedelta(days=14),
            "responsible": responsible,
            "organisation": psychiatry,
            "purpose": "Jobcentrets fortrolige formål",
            "legal_basis": "lab",
            "status": "planned",
            "track": "employment",
        },
    )
    browser_login(page, psych)
    page.goto(f"/citizens/{citizen.uuid}/plan/")
    if language == "en":
        page.locator("button[name=language][value=en]").click()
        expect(page.locator("html")).to_have_attribute("lang", "en")
    item = page.locator(f"#activity-{task.uuid}")
    expect(item).to_contain_text("Samtale om arbejdsprøvning")
    expect(item).to_contain_text(OWN[language])
    expect(item.locator(".not-shared")).to_be_visible()
    expect(item).not_to_contain_text("Jobcentrets fortrolige formål")
    expect(item.locator("a")).to_have_count(0)  # no edit or remove link
    response = page.goto(f"/citizens/{citizen.uuid}/plan/activities/{task.uuid}/")
    assert response.status == 403
