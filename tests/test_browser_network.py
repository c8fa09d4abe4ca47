"""Browser: the citizen overview's own flows – network, handover, contact, course."""

import pytest
from playwright.sync_api import expect

from enplan.citizens.models import Contact
from enplan.courses.models import Course
from enplan.network.models import Handover, NetworkMembership, NetworkRole
from enplan.organisations.models import Profession

from .conftest import browser_login, make_professional

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_network_contact_course_and_handover(page, citizen, caseworker, jobcenter):
    mentor = make_professional("ali", jobcenter, Profession.MENTOR)
    successor = make_professional("jonas", jobcenter)
    overview = f"/citizens/{citizen.uuid}/"
    browser_login(page, caseworker)

    # Add a mentor to the network; bad input first (nobody chosen) keeps the form with an error.
    page.goto(f"{overview}network/add/")
    page.select_option("select[name=role]", NetworkRole.MENTOR)
    page.locator("form button.primary").click()
    expect(page.locator("p.error").first).to_be_visible()
    page.select_option("select[name=professional]", str(mentor.uuid))
    page.locator("form button.primary").click()
    expect(page).to_have_url(overview)
    expect(page.locator("ul.network")).to_contain_text(mentor.name)

    # Register a contact and a course from the overview.
    page.locator("details:has(form[action$='/contacts/new/']) summary").click()
    page.fill("input[name=at]", "2026-11-20T10:00")
    page.select_option("select[name=kind]", "phone")
    page.fill("input[name=summary]", "Aftalt praktikbesøg")
    page.locator("form[action$='/contacts/new/'] button").click()
    expect(page.locator("body")).to_contain_text("Aftalt praktikbesøg")
    assert Contact.objects.filter(citizen=citizen, summary="Aftalt praktikbesøg").exists()
    page.goto(f"{overview}courses/new/")
    page.select_option("select[name=target_group]", "ressourceforloeb")
    page.fill("input[name=starts_on]", "2026-10-01")
    page.fill("input[name=ends_on]", "2026-09-01")  # before the start: refused
    page.locator("form button.primary").click()
    expect(page.locator(".field.invalid")).to_have_count(1)
    assert not Course.objects.exists()
    page.fill("input[name=ends_on]", "")
    page.locator("form button.primary").click()
    expect(page).to_have_url(overview)
    assert Course.objects.get(citizen=citizen).target_group == "ressourceforloeb"

    # Switch to English and hand the citizen over; a note is required.
    page.locator("button[name=language][value=en]").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.goto(f"{overview}network/handover/")
    expect(page.locator("h2")).to_contain_text("Hand over")
    page.select_option("select[name=to_professional]", str(successor.uuid))
    page.locator("form button.primary").click()
    expect(page.locator(".field.invalid")).to_have_count(1)
    assert not Handover.objects.exists()
    page.fill("textarea[name=note]", "Borger vil have korte beskeder, ét emne ad gangen.")
    page.locator("form button.primary").click()
    expect(page).to_have_url("/citizens/")  # the old coordinator no longer has access
    coordinator = NetworkMembership.objects.active().get(
        citizen=citizen, role=NetworkRole.COORDINATOR
    )
    assert coordinator.professional == successor
    response = page.goto(overview)
    assert response.status == 404
