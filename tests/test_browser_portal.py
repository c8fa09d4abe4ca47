"""The citizen's portal in real Chromium: MitID log-in through the local OpenID provider,
her plan and contacts, her goal seen by the caseworker, a withdrawn consent that psychiatry
feels at once, the one-page plan as a PDF, the Arabic portal right to left, and axe-core on
every portal page (no serious or critical violation)."""

import io
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from enplan.consent.models import Category, Consent
from enplan.consent.services import give
from enplan.plans import services as plans

from .conftest import browser_login, make_citizen, sign_out
from .oidc_provider.identities import CITIZEN_A_CPR, PASSWORD
from .test_oidc import provider  # noqa: F401 (the provider fixture)
from .test_portal_login import portal_oidc  # noqa: F401

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("portal_oidc"),
]

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
PORTAL_PAGES = [
    "/portal/",
    "/portal/contacts/",
    "/portal/meetings/",
    "/portal/certificates/",
    "/portal/consents/",
    "/portal/log/",
    "/portal/data/",
    "/portal/login/",
]


@pytest.fixture
def anna(caseworker, psych):
    from enplan.network.models import NetworkRole
    from enplan.network.services import add_member

    c = make_citizen(caseworker, cpr=CITIZEN_A_CPR, given_name="Anna", family_name="Mitid")
    add_member(c, caseworker.user, role=NetworkRole.PSYCHIATRY_CONTACT, professional=psych)
    plan = plans.get_or_create_plan(c, caseworker.user)
    plans.update_plan(plan, caseworker.user, plan.version, {"final_goal": "Arbejde i en butik"})
    plans.add_goal(plan, caseworker.user, plan.version, {"title": "Sove bedre", "status": "open"})
    give(
        c,
        caseworker.user,
        Consent(
            source_organisation=caseworker.organisation,
            recipient_organisation=psych.organisation,
            categories=[Category.PLAN],
            purpose="Fælles plan",
            valid_from=timezone.localdate(plan.created_at),
            given_how="written",
        ),
    )
    return c


def mitid(page, username: str = "borger.a") -> None:
    page.goto("/portal/login/")
    page.locator("#mitid-login").click()
    expect(page.locator("#op-login")).to_be_visible()  # the provider's own page
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("#op-submit").click()
    page.locator("input[name=allow]").click()
    expect(page).to_have_url("/portal/")


def _no_serious_violations(page) -> None:
    results = Axe().run(page)
    bad = [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not bad, f"{page.url}: {bad}"


def test_she_logs_in_with_mitid_and_sees_plan_and_contacts(page, anna, caseworker):
    mitid(page)
    expect(page.locator("h1")).to_contain_text("Hej Anna")
    expect(page.locator(".p-goal")).to_have_text("Arbejde i en butik")
    expect(page.locator(".p-goals")).to_contain_text("Sove bedre")
    page.get_by_role("link", name="Mine kontakter").click()
    expect(page.locator(".p-contacts")).to_contain_text(caseworker.name)


def test_her_goal_reaches_the_caseworker_as_hers(page, browser, live_server, anna, caseworker):
    mitid(page)
    page.fill("#final_goal", "At arbejde med dyr")
    page.get_by_role("button", name="Gem mit mål").click()
    expect(page.locator(".p-msg.success")).to_contain_text("Dit mål er gemt")
    expect(page.locator(".p-goal")).to_have_text("At arbejde med dyr")
    staff = browser.new_context(base_url=live_server.url, locale="da-DK").new_page()
    browser_login(staff, caseworker)
    staff.goto(f"/citizens/{anna.uuid}/plan/history/")
    row = staff.locator("tbody tr").first
    expect(row).to_contain_text("borgeren")
    expect(row).to_contain_text("Anna Mitid")
    staff.context.close()


def test_she_withdraws_a_consent_and_psychiatry_sees_it_at_once(
    page, browser, live_server, anna, psych
):
    other = browser.new_context(base_url=live_server.url, locale="da-DK").new_page()
    browser_login(other, psych)
    other.goto(f"/citizens/{anna.uuid}/plan/")
    expect(other.locator("main")).to_contain_text("Arbejde i en butik")
    mitid(page)
    page.get_by_role("link", name="Mine samtykker").click()
    page.get_by_role("button", name="Tag dette samtykke tilbage").click()
    expect(page.locator(".p-msg.success")).to_contain_text("trukket tilbage")
    other.reload()
    expect(other.locator("main")).not_to_contain_text("Arbejde i en butik")
    other.context.close()


def test_she_downloads_the_one_page_plan(page, anna):
    mitid(page)
    response = page.request.get("/portal/plan.pdf")
    assert response.headers["content-type"] == "application/pdf"
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "min-plan.pdf").write_bytes(response.body())
    reader = PdfReader(io.BytesIO(response.body()))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    assert "Arbejde i en butik" in text and "Sove bedre" in text


def test_arabic_portal_right_to_left(page, anna):
    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    mitid(page)
    page.select_option("#p-language", "ar")
    page.locator(".p-lang button").click()
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("html")).to_have_attribute("lang", "ar")
    expect(page.locator("h1")).to_contain_text("مرحبًا")
    # Mirrored: the title sits on the right, the first tab of the menu too.
    brand = page.locator(".p-brand").bounding_box()
    first_tab = page.locator(".p-nav a").first.bounding_box()
    assert brand["x"] > 390 / 2 and first_tab["x"] + first_tab["width"] > 390 * 0.75
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "portal-arabic-rtl.png"), full_page=True)
    _no_serious_violations(page)


def test_portal_pages_pass_axe(page, anna):
    page.set_viewport_size({"width": 390, "height": 844})
    mitid(page)
    for url in PORTAL_PAGES[:-1]:
        page.goto(url)
        _no_serious_violations(page)
    ARTIFACTS.mkdir(exist_ok=True)
    page.goto("/portal/")
    page.screenshot(path=str(ARTIFACTS / "portal-phone.png"), full_page=True)
    sign_out(page)
    page.goto("/portal/login/")
    _no_serious_violations(page)


def test_keyboard_only_she_writes_her_goal_and_zoom_loses_nothing(page, anna):
    """Log in (demo settings off: MitID), then only the keyboard: to the goal, type, save."""
    page.set_viewport_size({"width": 390, "height": 844})
    mitid(page)
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "final_goal":
            break
    assert page.evaluate("document.activeElement.id") == "final_goal"
    page.keyboard.press("Control+A")
    page.keyboard.type("Mit eget mål")
    page.keyboard.press("Tab")  # the save button follows the help text
    assert page.evaluate("document.activeElement.textContent").strip() == "Gem mit mål"
    page.keyboard.press("Enter")
    expect(page.locator(".p-goal")).to_have_text("Mit eget mål")
    # 200 % zoom on a 1280 px screen is a 640 px wide layout: nothing scrolls sideways.
    page.set_viewport_size({"width": 640, "height": 800})
    page.evaluate("document.body.style.zoom = '2'")
    overflow = page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth + 1"
    )
    assert overflow


def _around(page, selector: str) -> dict:
    box = page.locator(selector).first.bounding_box()
    return {"x": 0, "y": max(box["y"] - 20, 0), "width": 900, "height": box["height"] + 160}


def test_she_asks_for_an_interpreter_and_the_convener_accepts(
    page, browser, live_server, anna, caseworker
):
    """Min plan → the meeting → "ask for an interpreter"; the convener accepts it on the staff
    meeting page; she sees it accepted. axe on both sides; the glossary term in the meeting's
    heading explains itself on keyboard focus."""
    import datetime

    from django.utils import timezone

    from enplan.meetings import services as meetings

    start = timezone.now() + datetime.timedelta(days=10)
    meeting = meetings.plan_meeting(
        caseworker.user,
        anna,
        {
            "kind": "network",
            "purpose": "Status på planen",
            "working_question": "Hvad er næste skridt?",
            "starts_at": start,
            "ends_at": start + datetime.timedelta(hours=1),
            "place_kind": "jobcenter",
        },
        [],
        override_reason="ok",
    ).meeting
    page.set_viewport_size({"width": 390, "height": 844})
    mitid(page)
    page.get_by_role("link", name="Mine møder").click()
    card = page.locator(f"section[aria-labelledby='m-{meeting.uuid}']")
    term = card.locator("h2 abbr.gloss")
    term.focus()
    expect(card.locator("h2 .gloss-tip")).to_be_visible()
    expect(card.locator("h2 .gloss-tip")).to_contain_text("fagfolk")
    card.locator("summary").click()
    _no_serious_violations(page)  # with the two small forms open
    card.get_by_label("Sprog").select_option("ar")
    card.get_by_label("Dialekt (hvis det betyder noget)").fill("Irakisk")
    card.get_by_role("button", name="Bed om en tolk").click()
    expect(page.locator(".p-msg.success")).to_contain_text("Vi har bedt om en tolk til dig")
    expect(card.locator(".p-requests")).to_contain_text("Venter på svar")
    _no_serious_violations(page)
    staff = browser.new_context(base_url=live_server.url, locale="da-DK").new_page()
    browser_login(staff, caseworker)
    staff.goto(f"/citizens/{anna.uuid}/meetings/{meeting.uuid}/")
    requests = staff.locator("#requests")
    expect(requests).to_contain_text("Irakisk")
    requests.get_by_label("Kort svar til borgeren (skal udfyldes for at afvise)").fill(
        "Vi bestiller en tolk"
    )
    requests.get_by_role("button", name="Godkend ønsket").click()
    expect(staff.locator("main")).to_contain_text("Ønsket er godkendt")
    expect(staff.locator(".meeting-facts")).to_contain_text("Arabisk")
    _no_serious_violations(staff)
    # The meeting's kind explains itself on focus (a tap on a phone), here in Danish.
    staff.locator("main h2 abbr.gloss").first.focus()
    tip = staff.locator("main h2 .gloss-tip").first
    expect(tip).to_be_visible()
    expect(tip).to_contain_text("Et møde, hvor borgeren og de fagfolk")
    ARTIFACTS.mkdir(exist_ok=True)
    staff.screenshot(path=str(ARTIFACTS / "glossary-tooltip.png"), clip=_around(staff, "main h2"))
    staff.context.close()
    page.reload()
    expect(card.locator(".p-requests")).to_contain_text("Ja – det er ordnet")
    expect(card.locator(".p-requests")).to_contain_text("Vi bestiller en tolk")
    expect(card).to_contain_text("Tolk")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "portal-meeting-request.png"), full_page=True)
