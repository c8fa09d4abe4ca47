"""End-to-end tests: a real headless Chromium (Playwright) against Django's live server.

Elements are found by URL, id, `name=` and role rather than by visible text, so the tests
pass whether or not the Danish catalogue is compiled. Only the language test reads English
text, right after switching to English.

The README's screenshot of the plan is taken by tests/test_browser_plan.py.
"""

import datetime
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from enplan.citizens.models import Citizen
from enplan.network.models import NetworkMembership
from enplan.plans import services
from enplan.plans.models import Activity, Goal, LegalBasis, Plan, PlanVersion

from .conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

GOAL_TITLE = "Arbejde 10 timer om ugen"
ACTIVITY_TITLE = "Virksomhedspraktik i bageriet"


# --- helpers -------------------------------------------------------------------------------


def login(page: Page, professional) -> None:
    page.goto("/accounts/login/")
    page.fill("input[name=username]", professional.user.username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("#main form button.primary").click()
    expect(page).to_have_url(re.compile(r"/citizens/$"))


def plan_url(citizen: Citizen) -> str:
    return reverse("citizens:plan", args=[citizen.uuid])


def assert_assets_loaded(page: Page) -> None:
    """The page's own CSS and JavaScript (htmx) arrived; without them it is a different app."""
    failed = page.evaluate(
        """() => performance.getEntriesByType("resource")
            .filter(e => e.name.includes("/static/") && e.responseStatus >= 400)
            .map(e => e.responseStatus + " " + e.name)"""
    )
    assert not failed, f"static files not served: {failed}"
    assert page.evaluate("typeof window.htmx") == "object", "htmx is not loaded"


def mark_page(page: Page) -> None:
    """Leave a marker in the window; a full page load would wipe it."""
    assert_assets_loaded(page)
    page.evaluate("window.__marker = 1")


def assert_not_reloaded(page: Page) -> None:
    assert page.evaluate("window.__marker") == 1, "the page was reloaded"


def membership(citizen, professional) -> NetworkMembership:
    return NetworkMembership.objects.active().get(citizen=citizen, professional=professional)


def add_goal_in_browser(page: Page, title: str) -> None:
    page.locator('#plan-body a.edit[href*="/goals/new/"]').click()
    form = page.locator("#edit-goal_new-new form")
    expect(form).to_be_visible()
    form.locator("input[name=title]").fill(title)
    form.locator("button.primary").click()
    expect(page.locator("#plan-body ol.goals > li.item strong", has_text=title)).to_be_visible()
    expect(page.locator("#edit-goal_new-new")).to_have_count(0)


def open_activity_form(page: Page):
    page.locator('#plan-body a.edit[href*="/activities/new/"]').click()
    form = page.locator("#edit-activity_new-new form")
    expect(form).to_be_visible()
    return form


def fill_activity(form, *, title, starts_on, ends_on=None, responsible, goal=None) -> None:
    form.locator("input[name=title]").fill(title)
    if goal is not None:
        form.locator("select[name=goal]").select_option(str(goal.uuid))
    form.locator("input[name=starts_on]").fill(starts_on.isoformat())
    if ends_on is not None:
        form.locator("input[name=ends_on]").fill(ends_on.isoformat())
    responsible_select = form.locator("select[name=responsible]")
    expect(responsible_select.locator(f'option[value="{responsible.uuid}"]')).to_have_count(1)
    responsible_select.select_option(str(responsible.uuid))
    form.locator("textarea[name=purpose]").fill("Afprøve arbejdsevnen i små skridt")
    form.locator("select[name=legal_basis]").select_option(LegalBasis.LAB.value)


def page_fits_width(page: Page, width: int) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= width + 1


# --- tests ---------------------------------------------------------------------------------


def test_caseworker_finds_citizen_network_and_plan(page, caseworker, psych, citizen, plan):
    login(page, caseworker)

    caseload = page.locator("#caseload")
    overview = reverse("citizens:overview", args=[citizen.uuid])
    link = caseload.locator(f'a[href="{overview}"]')
    expect(link).to_have_text("Anna Andersen")

    link.click()
    expect(page).to_have_url(re.compile(re.escape(overview) + "$"))
    expect(page.locator(".citizen-head h1")).to_have_text("Anna Andersen")

    network = page.locator("section[aria-labelledby=network-h] ul.network")
    expect(network.locator("li")).to_have_count(2)
    coordinator = network.locator("li.coordinator")
    expect(coordinator).to_contain_text("Mette Test")
    expect(coordinator).to_contain_text("Jobcenter Test")
    lene = network.locator("li", has_text="Lene Test")
    expect(lene).to_contain_text("Lokalpsykiatri Test")
    expect(lene.locator('a[href="tel:12 34 56 78"]')).to_be_visible()
    expect(lene).to_contain_text("(Man 9-10)")

    page.locator(f'#main a.button[href="{plan_url(citizen)}"]').click()
    expect(page).to_have_url(re.compile(re.escape(plan_url(citizen)) + "$"))
    expect(page.locator("#plan-body")).to_be_visible()
    expect(page.locator("#plan-body .version-line")).to_have_text(re.compile(r"^\w+ 1\b"))
    expect(page.locator("#plan-body .track")).to_have_count(2)
    assert_assets_loaded(page)


def test_add_goal_and_activity_without_reload(page, caseworker, psych, citizen, plan):
    login(page, caseworker)
    page.goto(plan_url(citizen))
    mark_page(page)

    add_goal_in_browser(page, GOAL_TITLE)
    assert_not_reloaded(page)
    goal = Goal.objects.get(plan=plan, title=GOAL_TITLE)

    today = timezone.localdate()
    lene = membership(citizen, psych)
    form = open_activity_form(page)
    fill_activity(
        form,
        title=ACTIVITY_TITLE,
        starts_on=today,
        ends_on=today + datetime.timedelta(days=30),
        responsible=lene,
        goal=goal,
    )
    form.locator("button.primary").click()

    item = page.locator("#plan-body ul.activities > li.activity", has_text=ACTIVITY_TITLE)
    expect(item).to_be_visible()
    expect(item).to_contain_text("Lene Test, Lokalpsykiatri Test")
    expect(item).to_contain_text(GOAL_TITLE)
    expect(page.locator("#plan-body .timeline .tl-row")).to_have_count(1)
    expect(page.locator("#edit-activity_new-new")).to_have_count(0)
    assert_not_reloaded(page)

    activity = Activity.objects.get(plan=plan, title=ACTIVITY_TITLE)
    assert activity.goal == goal
    assert activity.responsible == lene
    assert activity.organisation == psych.organisation
    assert activity.starts_on == today
    assert activity.ends_on == today + datetime.timedelta(days=30)
    assert activity.legal_basis == LegalBasis.LAB
    assert activity.purpose == "Afprøve arbejdsevnen i små skridt"
    plan.refresh_from_db()
    assert plan.version == 3
    expect(page.locator("#plan-body .version-line")).to_have_text(re.compile(r"^\w+ 3\b"))


def test_history_lists_changes_and_compares_versions(page, caseworker, psych, citizen, plan):
    login(page, caseworker)
    page.goto(plan_url(citizen))
    add_goal_in_browser(page, GOAL_TITLE)
    form = open_activity_form(page)
    fill_activity(
        form,
        title=ACTIVITY_TITLE,
        starts_on=timezone.localdate(),
        responsible=membership(citizen, psych),
    )
    form.locator("button.primary").click()
    expect(page.locator("#plan-body ul.activities > li.activity")).to_have_count(1)

    page.locator(f'.tabs a[href="{reverse("citizens:plan_history", args=[citizen.uuid])}"]').click()
    rows = page.locator("table.history tbody tr")
    expect(rows).to_have_count(3)  # created, sub-goal added, activity added (newest first)
    expect(rows.nth(0).locator("td").first).to_have_text("3")
    expect(rows.nth(0).locator("q")).to_have_text(ACTIVITY_TITLE)
    expect(rows.nth(0)).to_contain_text("Mette Test")
    expect(rows.nth(1).locator("td").first).to_have_text("2")
    expect(rows.nth(1).locator("q")).to_have_text(GOAL_TITLE)
    expect(rows.nth(2).locator("q")).to_have_count(0)
    assert list(PlanVersion.objects.filter(plan=plan).values_list("change", flat=True)) == [
        "activity_added",
        "goal_added",
        "created",
    ]

    # Compare the first version with the newest one, side by side.
    page.check('input[name=a][value="1"]')
    expect(page.locator('input[name=b][value="3"]')).to_be_checked()
    page.locator("#main form button.primary").click()
    expect(page).to_have_url(re.compile(r"/plan/compare/\?"))
    assert parse_qs(urlsplit(page.url).query) == {"a": ["1"], "b": ["3"]}

    table = page.locator("#compare-table")
    expect(table.locator("thead th")).to_have_count(3)
    added_goal = table.locator("tr.item-head.added", has_text=GOAL_TITLE)
    expect(added_goal).to_be_visible()
    expect(added_goal.locator(".badge.added")).to_be_visible()
    expect(table.locator("tr.item-head.added", has_text=ACTIVITY_TITLE)).to_be_visible()
    # The new goal's title sits in the newer column only.
    title_row = table.locator("tr.changed", has=page.locator("td", has_text=GOAL_TITLE))
    expect(title_row.first.locator("td").nth(0)).to_have_text("")
    expect(title_row.first.locator("td").nth(1)).to_have_text(GOAL_TITLE)
    # Tracks did not change: hidden while "only what changed" is on, shown when it is off.
    assert_assets_loaded(page)
    unchanged = table.locator("tr.item-head.same")
    expect(unchanged).to_have_count(2)
    expect(unchanged.first).to_be_hidden()
    page.uncheck("#only-changes")
    expect(unchanged.first).to_be_visible()


def test_language_switch(page, caseworker, citizen):
    login(page, caseworker)
    html = page.locator("html")
    expect(html).to_have_attribute("lang", "da")

    page.locator("header button[name=language][value=en]").click()
    expect(html).to_have_attribute("lang", "en")
    expect(page).to_have_url(re.compile(r"/citizens/$"))
    expect(page.locator("#main h1")).to_have_text("My citizens")
    expect(page.locator("header button[name=language]")).to_have_text("Dansk")
    expect(page.locator("#caseload")).to_contain_text("Anna Andersen")

    # The choice sticks for the next page.
    page.goto(reverse("citizens:overview", args=[citizen.uuid]))
    expect(html).to_have_attribute("lang", "en")

    page.locator("header button[name=language][value=da]").click()
    expect(html).to_have_attribute("lang", "da")
    expect(page.locator("header button[name=language]")).to_have_text("English")
    page.goto(reverse("citizens:caseload"))
    expect(html).to_have_attribute("lang", "da")


def test_bad_activity_dates_show_error_and_store_nothing(page, caseworker, psych, citizen, plan):
    login(page, caseworker)
    page.goto(plan_url(citizen))
    mark_page(page)
    form = open_activity_form(page)
    start = timezone.localdate()
    fill_activity(
        form,
        title="Samtale med mentor",
        starts_on=start,
        ends_on=start - datetime.timedelta(days=3),
        responsible=membership(citizen, psych),
    )
    with page.expect_response(
        lambda r: "/activities/new/" in r.url and r.request.method == "POST"
    ) as r:
        form.locator("button.primary").click()
    assert r.value.status == 422

    field = page.locator(
        "#edit-activity_new-new .field.invalid", has=page.locator("[name=ends_on]")
    )
    expect(field).to_have_count(1)
    expect(field.locator("p.error[role=alert]")).to_be_visible()
    # The form stays open with what was typed, and nothing else went wrong.
    expect(page.locator("#edit-activity_new-new input[name=title]")).to_have_value(
        "Samtale med mentor"
    )
    expect(page.locator("#net-error")).to_be_hidden()
    assert_not_reloaded(page)
    assert not Activity.objects.exists()
    assert Plan.objects.get(pk=plan.pk).version == 1


def test_invalid_cpr_shows_error_and_stores_nothing(page, caseworker, citizen):
    login(page, caseworker)
    page.goto(reverse("citizens:new"))
    page.fill("input[name=cpr]", "320190-1234")
    page.fill("input[name=given_name]", "Bo")
    page.fill("input[name=family_name]", "Ugyldig")
    page.fill("input[name=municipality_code]", "0101")
    with page.expect_navigation() as nav:
        page.locator("#main form button.primary").click()
    assert nav.value.status == 422

    expect(page).to_have_url(re.compile(r"/citizens/new/$"))
    field = page.locator(".field.invalid", has=page.locator("input[name=cpr]"))
    expect(field).to_have_count(1)
    expect(field.locator("p.error[role=alert]")).to_be_visible()
    # The rejected number is not echoed back into the page.
    assert "3201901234" not in page.content()
    expect(page.locator("input[name=given_name]")).to_have_value("Bo")
    assert not Citizen.objects.filter(family_name="Ugyldig").exists()
    assert Citizen.objects.count() == 1


def test_stale_plan_gives_conflict_and_keeps_other_change(page, caseworker, psych, citizen, plan):
    login(page, caseworker)
    page.goto(plan_url(citizen))
    mark_page(page)
    page.locator('#plan-body a.edit[href*="/goals/new/"]').click()
    form = page.locator("#edit-goal_new-new form")
    form.locator("input[name=title]").fill("Mit delmål fra browseren")

    # Someone else saves a change while the form is open.
    fresh = Plan.objects.get(pk=plan.pk)
    services.add_goal(fresh, psych.user, fresh.version, {"title": "Psykiatriens delmål"})

    with page.expect_response(lambda r: "/goals/new/" in r.url and r.request.method == "POST") as r:
        form.locator("button.primary").click()
    assert r.value.status == 409

    alert = page.locator("#edit-goal_new-new .conflict[role=alert]")
    expect(alert).to_be_visible()
    expect(alert).to_contain_text("1")
    expect(alert).to_contain_text("2")
    expect(alert.locator(f'a[href="{plan_url(citizen)}"]')).to_be_visible()
    # The user's text is still in the form; the page was not reloaded or replaced.
    expect(form.locator("input[name=title]")).to_have_value("Mit delmål fra browseren")
    expect(page.locator("#net-error")).to_be_hidden()
    assert_not_reloaded(page)

    titles = set(Goal.objects.filter(plan=plan).values_list("title", flat=True))
    assert titles == {"Psykiatriens delmål"}
    assert Plan.objects.get(pk=plan.pk).version == 2


def test_phone_viewport_has_no_horizontal_scroll(page, caseworker, psych, citizen, plan):
    goal = services.add_goal(plan, caseworker.user, plan.version, {"title": GOAL_TITLE})
    services.add_activity(
        plan,
        caseworker.user,
        plan.version,
        {
            "title": ACTIVITY_TITLE,
            "goal": goal,
            "starts_on": timezone.localdate(),
            "ends_on": timezone.localdate() + datetime.timedelta(days=20),
            "responsible": membership(citizen, psych),
            "organisation": psych.organisation,
            "purpose": "Afprøve arbejdsevnen i små skridt",
            "legal_basis": LegalBasis.LAB,
        },
    )
    page.set_viewport_size({"width": 375, "height": 740})
    login(page, caseworker)

    expect(page.locator("#caseload")).to_contain_text("Anna Andersen")
    assert_assets_loaded(page)  # the measurement means nothing without the stylesheet
    assert page_fits_width(page, 375), page.evaluate("document.documentElement.scrollWidth")

    page.goto(plan_url(citizen))
    expect(page.locator("#plan-body ul.activities > li.activity")).to_have_count(1)
    assert_assets_loaded(page)
    assert page_fits_width(page, 375), page.evaluate("document.documentElement.scrollWidth")

    # An open edit form must fit too.
    open_activity_form(page)
    assert page_fits_width(page, 375), page.evaluate("document.documentElement.scrollWidth")


def test_outsider_gets_not_found(page, outsider, citizen, plan):
    login(page, outsider)
    expect(page.locator("#caseload")).not_to_contain_text("Anna Andersen")

    for name in ("citizens:overview", "citizens:plan", "citizens:plan_history"):
        response = page.goto(reverse(name, args=[citizen.uuid]))
        assert response.status == 404, name
        assert "Anna Andersen" not in page.content()
        assert citizen.cpr_display not in page.content()
