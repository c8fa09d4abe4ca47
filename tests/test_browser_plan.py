"""The plan page in real Chromium: the conflict message where the user is looking, the
timeline at desktop and phone width, and printing (issue 11, points 2, 4 and 12).

Set ENPLAN_SCREENSHOTS=1 to refresh docs/img/plan-page.png (used by the README).
"""

import datetime
import io
import os
import re
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from enplan.organisations.models import Sector
from enplan.plans import services
from enplan.plans.models import Plan

from .conftest import PASSWORD, make_org, make_professional

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOT = Path(__file__).resolve().parent.parent / "docs" / "img" / "plan-page.png"
DAY = datetime.timedelta(days=1)
# Where the timeline's screenshots go, to look at (not checked in).
SHOTS = Path(os.environ.get("ENPLAN_SHOTS_DIR", Path(__file__).resolve().parent.parent / "var"))

try:  # axe-core, when installed (a dev dependency); the checks below run without it too
    from axe_playwright_python.sync_playwright import Axe
except ImportError:  # pragma: no cover
    Axe = None


def axe_violations(pg: Page) -> list[str]:
    if Axe is None:
        return []
    results = Axe().run(pg, options={"resultTypes": ["violations"]})
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:5]}"
        for v in results.response["violations"]
    ]


# The browser logs every 4xx answer as an error; a 409 (conflict) or 422 (form errors) is an
# answer these tests expect.
EXPECTED_STATUS = re.compile(r"status of (409|422) ")


@pytest.fixture
def console(page):
    """Console errors of the page (a CSP violation, a missing file); none may occur."""
    errors: list[str] = []

    def on_console(message) -> None:
        if message.type != "error" or EXPECTED_STATUS.search(message.text):
            return
        where = message.location.get("url", "")
        if where.endswith("/favicon.ico"):  # the browser's own request; issue 11.13
            return
        errors.append(f"{message.text} ({where})")

    page.on("console", on_console)
    page.on("response", lambda r: r.status == 404 and errors.append(f"404 {r.url}"))
    yield errors
    assert not errors, errors


def login(pg: Page, professional, language: str = "da") -> None:
    pg.goto("/accounts/login/")
    if language == "en":
        pg.locator("button[name=language][value=en]").click()
        pg.wait_for_selector("html[lang=en]")
    pg.fill("input[name=username]", professional.user.username)
    pg.fill("input[name=password]", PASSWORD)
    pg.locator("#main form button.primary").click()
    expect(pg).to_have_url(re.compile(r"/citizens/$"))


def full_plan(plan, caseworker, psych, citizen) -> None:
    """A plan as a caseworker has it after a few meetings: every section filled, activities
    past, running, overdue and later, a follow-up that should have happened."""
    today = timezone.localdate()
    lene = citizen.memberships.get(professional=psych)
    clinic = make_org("Traumeklinik Øst", Sector.TRAUMA_CLINIC, "900000000000009")
    make_professional("tove", clinic)
    services.update_plan(
        plan,
        caseworker.user,
        plan.version,
        {
            "final_goal": "Jeg vil gerne arbejde med dyr, fx i en dyrehandel, 15 timer om ugen.",
            "area_future": "Starte i praktik efter sommerferien. Bekymret for at sove for lidt.",
            "area_everyday": "Bor alene med sin hund. God kontakt til søsteren.",
            "area_health": "Sover dårligt; skånehensyn: korte dage, ingen telefonarbejde.",
            "area_psychiatry": "Medicinen justeres; samtaler hver anden uge.",
            "area_jobcenter": "Praktik i en dyrehandel; mentor de første uger.",
            "mentor_role": "Følger med i praktikken den første måned.",
            "support_contact_role": "Hjælper med post og aftaler.",
            "followup_at": timezone.now() - 3 * DAY,
            "followup_place": "Jobcentret, mødelokale 2",
            "followup_with": "Anna, Mette og Lene",
        },
    )
    goal = services.add_goal(
        plan, caseworker.user, plan.version, {"title": "Sove bedre", "status": "in_progress"}
    )
    services.add_goal(plan, caseworker.user, plan.version, {"title": "Arbejde 10 timer om ugen"})
    base = {
        "purpose": "Afklare arbejdsevne i små skridt",
        "legal_basis": "lab",
        "legal_reference": "LAB § 42",
        "status": "ongoing",
        "responsible": lene,
        "organisation": psych.organisation,
    }
    for title, start, end, track in [
        ("Samtaleforløb om søvn og angst i lokalpsykiatrien", -30, 40, "treatment"),
        ("Virksomhedspraktik i dyrehandlen Kæledyrshuset", 10, 70, "employment"),
        ("Afklarende samtale med psykiater (overskredet)", -50, -10, "treatment"),
        ("Mentorforløb", 20, None, "employment"),
    ]:
        services.add_activity(
            plan,
            caseworker.user,
            plan.version,
            {
                **base,
                "title": title,
                "goal": goal,
                "track": track,
                "starts_on": today + start * DAY,
                "ends_on": None if end is None else today + end * DAY,
            },
        )


# --- the conflict message -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("da", "Ikke gemt: En anden har ændret planen"),
        ("en", "Not saved: someone else changed the plan"),
    ],
)
def test_conflict_message_is_beside_the_save_button_and_focused(
    page, console, caseworker, psych, citizen, plan, language, message
):
    full_plan(plan, caseworker, psych, citizen)
    login(page, caseworker, language)
    page.goto(reverse("citizens:plan", args=[citizen.uuid]))
    # The follow-up form is at the bottom of a long page: far from the top.
    page.locator('#plan-body a.edit[href*="/followup/"]').click()
    form = page.locator("#edit-plan_followup-new form")
    form.locator("input[name=followup_with]").fill("Anna, Mette, Lene og mentoren")
    form.locator("button.primary").scroll_into_view_if_needed()

    fresh = Plan.objects.get(pk=plan.pk)
    services.add_goal(fresh, psych.user, fresh.version, {"title": "Psykiatriens delmål"})

    with page.expect_response(lambda r: "/followup/" in r.url and r.request.method == "POST") as r:
        form.locator("button.primary").click()
    assert r.value.status == 409
    alert = page.locator("#edit-plan_followup-new .conflict[role=alert]")
    expect(alert).to_contain_text(message)
    expect(alert).to_be_focused()
    expect(alert).to_be_in_viewport()
    button = page.locator("#edit-plan_followup-new form button.primary")
    expect(button).to_be_in_viewport()
    a, b = alert.bounding_box(), button.bounding_box()
    gap = b["y"] - (a["y"] + a["height"])
    assert 0 <= gap < 40, f"message {a} is not right above the save button {b}"
    expect(form.locator("input[name=followup_with]")).to_have_value("Anna, Mette, Lene og mentoren")
    assert Plan.objects.get(pk=plan.pk).followup_with == "Anna, Mette og Lene"
    assert not axe_violations(page), axe_violations(page)


def test_an_activity_opens_with_its_values_and_saves_unchanged_in_place(
    page, console, caseworker, psych, citizen, plan
):
    """Issue 11, point 1, in the browser: the in-place edit form shows the stored sub-goal,
    responsible person and organisation; saving it unchanged stores nothing new."""
    full_plan(plan, caseworker, psych, citizen)
    activity = plan.activities.get(title="Mentorforløb")
    before = Plan.objects.get(pk=plan.pk).version
    login(page, caseworker)
    page.goto(reverse("citizens:plan", args=[citizen.uuid]))
    item = page.locator(f"#activity-{activity.uuid}")
    item.locator("a.edit").first.click()
    form = page.locator("form", has=page.locator("select[name=responsible]"))
    expect(form.locator("select[name=goal] option:checked")).to_have_text("Sove bedre")
    expect(form.locator("select[name=responsible] option:checked")).to_contain_text(psych.name)
    expect(form.locator("select[name=organisation] option:checked")).to_have_text(
        psych.organisation.name
    )
    assert not axe_violations(page), axe_violations(page)
    with page.expect_response(lambda r: r.request.method == "POST") as r:
        form.locator("button.primary").click()
    assert r.value.status == 200
    expect(page.locator(f"#activity-{activity.uuid}")).to_contain_text("Sove bedre")
    activity.refresh_from_db()
    assert (activity.goal.title, activity.responsible.professional, activity.organisation) == (
        "Sove bedre",
        psych,
        psych.organisation,
    )
    assert Plan.objects.get(pk=plan.pk).version == before  # unchanged: no new version


def test_conflict_on_the_plain_page_without_javascript(
    browser, live_server, caseworker, psych, citizen, plan
):
    context = browser.new_context(
        base_url=live_server.url, java_script_enabled=False, viewport={"width": 390, "height": 800}
    )
    pg = context.new_page()
    try:
        login(pg, caseworker)
        pg.goto(reverse("citizens:goal_new", args=[citizen.uuid]) + f"?version={plan.version}")
        pg.fill("input[name=title]", "Mit delmål")
        services.add_goal(
            Plan.objects.get(pk=plan.pk), psych.user, plan.version, {"title": "Andet"}
        )
        with pg.expect_navigation() as nav:
            pg.locator("#main form button.primary").click()
        assert nav.value.status == 409
        alert = pg.locator("#main form .conflict[role=alert]")
        expect(alert).to_be_visible()
        expect(alert).to_be_focused()  # autofocus on the loaded page
        expect(alert).to_be_in_viewport()
        expect(pg.locator("input[name=title]")).to_have_value("Mit delmål")
    finally:
        context.close()


# --- the timeline -------------------------------------------------------------------------


@pytest.mark.parametrize("width", [1200, 390])
def test_timeline_is_readable_at_desktop_and_phone_width(
    page, console, caseworker, psych, citizen, plan, width
):
    full_plan(plan, caseworker, psych, citizen)
    page.set_viewport_size({"width": width, "height": 900})
    login(page, caseworker)
    page.goto(reverse("citizens:plan", args=[citizen.uuid]))
    tl = page.locator("figure.timeline")
    expect(tl).to_be_visible()
    # Axis: month names, week ticks, and today.
    months = tl.locator(".tl-axis .tl-month-label")
    assert months.count() >= 3
    assert tl.locator(".tl-axis .tl-week").count() == 15
    expect(tl.locator(".tl-axis .tl-today")).to_have_count(1)
    # Every activity of the window, the overdue one included and marked in words; the later
    # ones and the follow-up.
    rows = tl.locator(".tl-chart .tl-row")
    expect(rows).to_have_count(5)
    overdue = tl.locator(".tl-row.overdue")
    expect(overdue).to_have_count(2)  # the activity and the follow-up
    expect(overdue.first).to_contain_text("Forsinket")
    expect(overdue.first.locator(".tl-late")).to_have_count(1)
    expect(tl.locator(".tl-row.followup")).to_contain_text("Næste opfølgning")
    # Each bar has a text alternative; the legend explains colours and marks.
    titles = tl.locator(".tl-chart svg[role=img] > title").all_text_contents()
    assert len(titles) == 5 and all(re.search(r"\d", t) for t in titles)
    expect(tl.locator(".tl-legend li")).to_have_count(7)
    # No label is cut off, and nothing sticks out of its box or the page.
    clipped = page.evaluate(
        """() => [...document.querySelectorAll('.tl-label, .tl-month-label')]
            .filter(e => e.scrollWidth > e.clientWidth + 1 ||
                    e.getBoundingClientRect().right > document.documentElement.clientWidth)
            .map(e => e.textContent)"""
    )
    assert not clipped, clipped
    axis = tl.locator(".tl-axis").bounding_box()
    for track in tl.locator(".tl-chart .tl-track").all():
        box = track.bounding_box()  # each track as wide as the axis above it
        assert abs(box["x"] - axis["x"]) < 2 and abs(box["width"] - axis["width"]) < 2, box
    month_boxes = [months.nth(i).bounding_box() for i in range(months.count())]
    for box in month_boxes:
        assert axis["x"] <= box["x"] and box["x"] + box["width"] <= axis["x"] + axis["width"] + 1
    for left, right in zip(month_boxes, month_boxes[1:], strict=False):
        assert left["x"] + left["width"] <= right["x"], "month names overlap"
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    # The same data as a table, one click away.
    table = tl.locator(".tl-table table")
    expect(table).to_be_hidden()
    tl.locator(".tl-table summary").click()
    expect(table).to_be_visible()
    expect(table.locator("tbody tr")).to_have_count(5)
    expect(table.locator("tbody tr", has_text="overskredet")).to_contain_text("Forsinket")
    # The follow-up section says it is overdue, in words.
    expect(page.locator("section[aria-labelledby=h-followup] .badge.warn")).to_have_text(
        "Forsinket"
    )
    SHOTS.mkdir(parents=True, exist_ok=True)
    tl.screenshot(path=str(SHOTS / f"timeline-{width}.png"))
    assert not axe_violations(page), axe_violations(page)


def test_overdue_follow_up_on_the_caseload_in_english(
    page, console, caseworker, psych, citizen, plan
):
    full_plan(plan, caseworker, psych, citizen)
    login(page, caseworker, "en")
    row = page.locator("table.caseload tbody tr", has_text=citizen.full_name)
    expect(row.locator(".badge.warn").first).to_have_text("Overdue")
    assert not axe_violations(page), axe_violations(page)


def test_caseload_shows_the_next_meeting_and_what_needs_attention(
    page, console, caseworker, psych, citizen, plan
):
    from enplan.meetings import services as meetings

    full_plan(plan, caseworker, psych, citizen)
    tz = timezone.get_current_timezone()
    day = timezone.localdate() + 3 * DAY
    starts = datetime.datetime.combine(day, datetime.time(10), tzinfo=tz)
    meetings.plan_meeting(
        caseworker.user,
        citizen,
        {
            "kind": "follow_up",
            "purpose": "Følge op på praktikken",
            "working_question": "Hvordan går det?",
            "starts_at": starts,
            "ends_at": starts + datetime.timedelta(hours=1),
            "place_kind": "jobcenter",
        },
        [],
    )
    login(page, caseworker, "en")
    row = page.locator("table.caseload tbody tr", has_text=citizen.full_name)
    expect(row.get_by_role("link", name=re.compile("Follow-up conversation"))).to_be_visible()
    # The panel arrives after the list (htmx) and links to My meetings.
    panel = page.locator("section", has=page.get_by_role("heading", name="Meetings that need you"))
    expect(panel.get_by_role("link", name="1 upcoming meeting")).to_be_visible()
    assert not axe_violations(page), axe_violations(page)
    panel.get_by_role("link", name="1 upcoming meeting").click()
    expect(page.get_by_role("heading", name="My meetings", level=1)).to_be_visible()


def test_an_activity_points_at_an_offer_in_the_catalogue(
    page, console, caseworker, psych, citizen, plan
):
    from enplan.cooperation.models import Offer

    full_plan(plan, caseworker, psych, citizen)
    Offer.objects.create(
        organisation=caseworker.organisation,
        title="IPS-forløb",
        target_group="Borgere i psykiatrisk behandling",
        criteria="Ønsker ordinært arbejde",
        legal_basis="LAB § 32",
        decided_by="Jobcentrets visitationsudvalg",
        how_to_refer="Skriv til IPS-teamet",
        contact="IPS-teamet",
    )
    login(page, caseworker)
    page.goto(reverse("citizens:plan", args=[citizen.uuid]))
    item = page.locator("li.activity", has_text="Mentorforløb")
    item.get_by_role("link", name="Peg på et tilbud").click()
    expect(page.get_by_role("heading", name="Tilbud til en aktivitet")).to_be_visible()
    assert not axe_violations(page), axe_violations(page)
    page.get_by_label("Tilbud i kataloget").select_option(label="IPS-forløb – Jobcenter Test")
    page.get_by_label("Note om henvisningen").fill("Henvist 1. december")
    page.get_by_role("button", name="Gem").click()
    item = page.locator("li.activity", has_text="Mentorforløb")
    expect(item.get_by_role("link", name=re.compile("IPS-forløb"))).to_be_visible()
    expect(item).to_contain_text("Henvist 1. december")
    item.get_by_role("link", name=re.compile("IPS-forløb")).click()
    expect(page.locator("article.offer", has_text="IPS-forløb")).to_be_visible()


# --- printing ---------------------------------------------------------------------------------


def test_printed_plan_is_short_and_leaves_out_controls_and_cpr(
    page, console, caseworker, psych, citizen, plan
):
    from pypdf import PdfReader

    full_plan(plan, caseworker, psych, citizen)
    login(page, caseworker)
    page.goto(reverse("citizens:plan", args=[citizen.uuid]))

    def pdf(media: str) -> PdfReader:
        page.emulate_media(media=media)
        data = page.pdf(format="A4", print_background=True)
        SHOTS.mkdir(parents=True, exist_ok=True)
        (SHOTS / f"plan-{media}.pdf").write_bytes(data)
        return PdfReader(io.BytesIO(data))

    screen, printed = pdf("screen"), pdf("print")
    screen_text = "".join(p.extract_text() for p in screen.pages)
    text = "".join(p.extract_text() for p in printed.pages)
    cpr = citizen.cpr_display
    # As the screen shows it, the page has the CPR number, the edit links and the top bar.
    assert cpr in screen_text and "Rediger" in screen_text and "Log ud" in screen_text
    assert len(printed.pages) < len(screen.pages), (len(printed.pages), len(screen.pages))
    assert len(printed.pages) <= 2
    for absent in (cpr, citizen.cpr, "Rediger", "Tilføj", "Fjern", "Log ud", "Adgangslog"):
        assert absent not in text, absent
    for present in (citizen.full_name, "Jeg vil gerne arbejde med dyr", "Mentorforløb"):
        assert present in text, present

    if os.environ.get("ENPLAN_SCREENSHOTS") == "1":
        page.emulate_media(media="screen")
        page.set_viewport_size({"width": 1200, "height": 1500})
        page.evaluate("window.scrollTo(0, 0)")
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOT))
        assert SCREENSHOT.stat().st_size > 0


# --- history ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "summary"),
    [("da", "Ændret: Slutmål, Ønsker for fremtiden"), ("en", "Changed: Final goal, Wishes for")],
)
def test_history_says_what_changed(
    page, console, caseworker, psych, citizen, plan, language, summary
):
    full_plan(plan, caseworker, psych, citizen)
    login(page, caseworker, language)
    page.goto(reverse("citizens:plan_history", args=[citizen.uuid]))
    first_change = page.locator("table.history tbody tr").last.locator(".change-summary")
    expect(page.locator("table.history .change-summary").first).to_be_visible()
    version_two = page.locator(
        "table.history tbody tr", has=page.locator("td", has_text=re.compile(r"^2$"))
    )
    expect(version_two.locator(".change-summary")).to_contain_text(summary)
    assert first_change.count() == 0  # "plan created" changed no fields
    assert not axe_violations(page), axe_violations(page)
