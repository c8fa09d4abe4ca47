"""Browser, Danish and English: safe defaults (no role, no MedCom category preselected),
labelled course rows, notifications grouped by partner, the lock icon and the favicon that
ship with the app, Danish dates in both languages (issue 11.7, 11.9, 11.10, 11.13)."""

import datetime
import re

import pytest
from playwright.sync_api import expect

from enplan.courses.models import Course, EmploymentOutcome, TargetGroup
from enplan.network.models import NetworkMembership

from .conftest import browser_login, sign_out

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXT = {
    "da": {
        "choose role": "Vælg en rolle",
        "choose category": "Vælg en kategori",
        "state": "Status",
        "period": "Periode",
        "outcome": "Resultat: job / uddannelse",
        "not shared": "ikke delt – mangler samtykke",
        "target group": "Ressourceforløb",
    },
    "en": {
        "choose role": "Choose a role",
        "choose category": "Choose a category",
        "state": "State",
        "period": "Period",
        "outcome": "Employment / education outcome",
        "not shared": "not shared – consent missing",
        "target group": "Resource course (ressourceforløb)",
    },
}


def _login(page, professional, language):
    browser_login(page, professional)
    if language == "en":
        page.locator("button[name=language][value=en]").click()
        expect(page.locator("html")).to_have_attribute("lang", "en")


@pytest.mark.parametrize("language", ["da", "en"])
def test_staff_pages_in_each_language(page, citizen, caseworker, psych, language):
    t = TEXT[language]
    Course.objects.create(
        citizen=citizen,
        target_group=TargetGroup.RESSOURCEFORLOEB,
        starts_on=datetime.date(2026, 4, 12),
        employment_outcome=EmploymentOutcome.EDUCATION,
        origin=caseworker.organisation,
    )
    overview = f"/citizens/{citizen.uuid}/"

    # The jobcenter's own course: every row labelled, the date written the Danish way.
    _login(page, caseworker, language)
    page.goto(overview)
    course = page.locator("li.course")
    expect(course.get_by_role("link")).to_have_text(t["target group"])
    for label in ("state", "period", "outcome"):
        expect(course.locator("dt", has_text=t[label])).to_be_visible()
    expect(course.locator("dd", has_text="12.04.2026–")).to_be_visible()

    # Add to network: no role chosen in advance; leaving it empty is refused with a message.
    page.goto(f"{overview}network/add/")
    role = page.locator("select[name=role]")
    expect(role).to_have_value("")
    expect(role.locator("option:checked")).to_have_text(t["choose role"])
    page.select_option("select[name=professional]", str(psych.uuid))
    page.locator("main form button.primary").click()
    expect(page.locator(".field.invalid select[name=role]")).to_be_visible()
    assert NetworkMembership.objects.filter(citizen=citizen, ended_at=None).count() == 2

    # New message: no MedCom category chosen in advance.
    page.goto(f"{overview}messages/new/")
    category = page.locator("select[name=category]")
    expect(category).to_have_value("")
    expect(category.locator("option:checked")).to_have_text(t["choose category"])

    # The favicon ships with the app.
    icon = page.locator("link[rel=icon]").get_attribute("href")
    assert page.request.get(icon).status == 200

    # Psychiatry sees the jobcenter's course only as withheld, marked with the lock icon.
    sign_out(page)
    _login(page, psych, language)
    page.goto(overview)
    withheld = page.locator(".not-shared", has_text=t["not shared"])
    expect(withheld.first).to_be_visible()
    lock = withheld.first.locator("img.icon")
    expect(lock).to_have_attribute("src", re.compile(r"/static/enplan/icons/lock\.svg$"))
    assert lock.evaluate("img => img.complete && img.naturalWidth > 0")


@pytest.mark.parametrize("language", ["da", "en"])
def test_notifications_are_grouped_by_partner(page, citizen, caseworker, psychiatry, language):
    _login(page, caseworker, language)
    page.goto("/messages/notifications/")
    group = page.get_by_role("group", name=psychiatry.name)
    expect(group).to_be_visible()
    expect(group.locator("input[type=checkbox]")).to_have_count(4)
    label = "Koordinerende sagsbehandler tildelt" if language == "da" else "Coordinating"
    expect(group.get_by_label(re.compile(label))).to_be_checked()
