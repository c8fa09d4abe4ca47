"""Browser (real Chromium): removing a network member asks first – in place with htmx
(Danish), and as its own page without JavaScript (English). Only the coordinator is offered
the button for others; a member is offered to leave herself."""

import pytest
from playwright.sync_api import expect

from enplan.network.models import NetworkMembership, NetworkRole
from enplan.network.services import add_member
from enplan.organisations.models import Profession

from .conftest import browser_login, make_professional

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def mentor(citizen, caseworker, jobcenter):
    ali = make_professional("ali", jobcenter, Profession.MENTOR)
    return add_member(citizen, caseworker.user, role=NetworkRole.MENTOR, professional=ali)


def _csp_violations(pg) -> list[str]:
    found: list[str] = []
    pg.on(
        "console",
        lambda msg: found.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    return found


def test_remove_asks_in_place_with_htmx_in_danish(page, citizen, caseworker, mentor):
    violations = _csp_violations(page)
    browser_login(page, caseworker)
    page.goto(f"/citizens/{citizen.uuid}/")
    row = page.locator(f"#member-{mentor.uuid}")
    row.get_by_role("link", name="Fjern fra netværket").click()
    # The same row now asks; nothing is removed yet, and focus is in the question.
    expect(row).to_have_class("confirm")
    expect(row).to_contain_text("Vil du fjerne Ali Test – Mentor fra netværket?")
    cancel = row.get_by_role("link", name="Annuller")
    expect(cancel).to_be_focused()
    expect(page).to_have_url(f"/citizens/{citizen.uuid}/")  # in place: no new page
    mentor.refresh_from_db()
    assert mentor.ended_at is None
    cancel.click()
    expect(row).not_to_have_class("confirm")
    expect(row.get_by_role("link", name="Fjern fra netværket")).to_be_visible()
    row.get_by_role("link", name="Fjern fra netværket").click()
    row.get_by_role("button", name="Ja, fjern").click()
    expect(page.locator(".messages")).to_contain_text("er ikke længere med i netværket")
    expect(page.locator("ul.network")).not_to_contain_text("Ali Test")
    mentor.refresh_from_db()
    assert mentor.ended_at is not None
    assert not violations, violations


def test_remove_asks_on_its_own_page_without_javascript_in_english(
    browser, live_server, citizen, caseworker, mentor
):
    context = browser.new_context(
        base_url=live_server.url, java_script_enabled=False, locale="en-GB"
    )
    pg = context.new_page()
    try:
        browser_login(pg, caseworker)
        english = pg.locator("button[name=language][value=en]")
        if english.count():  # (the browser's own language may already have chosen English)
            english.click()
        expect(pg.locator("html")).to_have_attribute("lang", "en")
        pg.goto(f"/citizens/{citizen.uuid}/")
        pg.locator(f"#member-{mentor.uuid}").get_by_role("link", name="Remove from network").click()
        url = f"/citizens/{citizen.uuid}/network/{mentor.uuid}/end/"
        expect(pg).to_have_url(url)
        expect(pg.locator("h2")).to_have_text("Remove Ali Test – Mentor from the network?")
        mentor.refresh_from_db()
        assert mentor.ended_at is None  # the question changed nothing
        pg.get_by_role("link", name="Cancel").click()
        expect(pg).to_have_url(f"/citizens/{citizen.uuid}/")
        assert NetworkMembership.objects.get(pk=mentor.pk).ended_at is None
        pg.goto(url)
        pg.get_by_role("button", name="Yes, remove").click()
        expect(pg).to_have_url(f"/citizens/{citizen.uuid}/")
        expect(pg.locator(".messages")).to_contain_text("has left the network")
        mentor.refresh_from_db()
        assert mentor.ended_at is not None
    finally:
        context.close()


def test_a_member_is_offered_to_leave_but_not_to_remove_others(page, citizen, psych, mentor):
    browser_login(page, psych)
    page.goto(f"/citizens/{citizen.uuid}/")
    others = page.locator(f"#member-{mentor.uuid}")
    expect(others.get_by_role("link", name="Fjern fra netværket")).to_have_count(0)
    expect(
        page.get_by_role("link", name="Overdrag til en ny koordinerende sagsbehandler")
    ).to_have_count(0)
    own = NetworkMembership.objects.get(citizen=citizen, professional=psych)
    row = page.locator(f"#member-{own.uuid}")
    row.get_by_role("link", name="Forlad netværket").click()
    expect(row).to_contain_text("Vil du forlade borgerens netværk?")
    row.get_by_role("button", name="Ja, forlad netværket").click()
    expect(page).to_have_url("/citizens/")  # she no longer sees the citizen
    own.refresh_from_db()
    assert own.ended_at is not None
