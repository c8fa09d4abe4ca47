"""Browser, real Chromium: insights (issue #15) on the demo data. The manager's start page and
the movements diagram (accessible SVG beside its table, readable at phone width), and a survey
round answered by three professionals: the tie with two answers shows "<5". axe finds nothing.
Screenshots of the start page and the diagram go to docs/screenshots/ for the README."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from enplan.accounts.models import User
from enplan.insights.models import SurveyAnswer, SurveyRespondent, SurveyRound
from enplan.synthetic import demo

from .conftest import PASSWORD, watch_console
from .test_a11y import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parent.parent / "docs/screenshots"


@pytest.fixture
def demo_world(db):
    demo.seed(out=lambda *a: None)
    for user in User.objects.all():
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])


def _session(browser, live_server, username: str, width: int = 1200):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": width, "height": 900}, locale="da-DK"
    )
    context.set_default_timeout(10_000)
    pg = context.new_page()
    pg.console_problems = watch_console(pg)
    pg.goto("/accounts/login/")
    pg.fill("input[name=username]", username)
    pg.fill("input[name=password]", PASSWORD)
    pg.locator("form button.primary").click()
    expect(pg).not_to_have_url(re.compile(r"/accounts/login/"))
    return context, pg


def _answer(browser, live_server, username: str, group: str) -> None:
    context, pg = _session(browser, live_server, username)
    pg.goto("/insights/survey/")
    pg.get_by_role("link", name="Samarbejdsmåling, efterår 2026").click()
    fieldset = pg.locator("fieldset.rc-group", has=pg.locator("legend", has_text=group))
    selects = fieldset.locator("select")
    expect(selects).to_have_count(7)
    for i in range(7):
        selects.nth(i).select_option("4")
    pg.get_by_role("button", name="Send mine svar").click()
    expect(pg.locator(".msg.success")).to_contain_text("uden dit navn")
    assert not pg.console_problems, pg.console_problems
    context.close()


def test_start_page_movements_and_a_survey_round(browser, live_server, demo_world):
    SHOTS.mkdir(parents=True, exist_ok=True)
    context, pg = _session(browser, live_server, "leder")
    expect(pg).to_have_url(f"{live_server.url}/insights/")
    expect(pg.locator("h1")).to_have_text("Hvad samarbejdet opnår")
    expect(pg.locator("#t-courses")).to_contain_text("Aktivitetsparat")
    expect(pg.locator("#t-caseload")).to_contain_text("Mette Holm")
    assert "<5" in pg.locator("#main").inner_text()
    assert axe_violations(pg) == []
    pg.screenshot(path=str(SHOTS / "insights-start.png"), full_page=True)
    # a bad period: a form error, not a page of figures
    pg.fill("#id_start", "2026-06-01")
    pg.fill("#id_end", "2026-01-01")
    pg.get_by_role("button", name="Vis").click()
    expect(pg.locator(".field.invalid .error")).to_be_visible()

    pg.goto("/insights/movements/?start=2022-01-01&end=2026-12-31&months=0")
    svg = pg.locator("#m-substance-svg")
    expect(svg).to_have_attribute("role", "img")
    expect(svg.locator("title")).to_have_count(1 + svg.locator("path").count())
    expect(pg.locator(".movements").nth(1)).to_contain_text("Fremgang for 29 af 37 borgere")
    expect(pg.locator(".movements").first).to_contain_text("Fremgang for 22 af 43 borgere")
    assert axe_violations(pg) == []
    pg.screenshot(path=str(SHOTS / "insights-movements.png"), full_page=True)
    assert not pg.console_problems, pg.console_problems
    context.close()

    # on a phone: the diagram fits the screen, its table follows it
    context, phone = _session(browser, live_server, "politiker", width=390)
    phone.goto("/insights/movements/?start=2022-01-01&end=2026-12-31")
    box = phone.locator("#m-employment-svg").bounding_box()
    assert box["width"] <= 390
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    assert axe_violations(phone) == []
    context.close()

    # a survey round: three professionals answer; the jobcenter caseworkers' tie to the
    # psychiatry nurses has two answers: "<5"
    round_ = SurveyRound.objects.get(closed_at__isnull=True)
    nurses = "Sygeplejerske, Lokalpsykiatri Gladsaxe"
    _answer(browser, live_server, "mette", nurses)
    _answer(browser, live_server, "jonas", nurses)
    _answer(browser, live_server, "lene", "Sagsbehandler, Jobcenter Gladsaxe")
    assert SurveyRespondent.objects.filter(round=round_).count() == 3
    assert SurveyAnswer.objects.filter(round=round_).count() == 3

    context, pg = _session(browser, live_server, "leder")
    pg.goto(f"/insights/survey/{round_.uuid}/")
    heat = pg.locator("table.heatmap")
    row = heat.locator("tbody tr", has=pg.locator("th", has_text="Sagsbehandler, Jobcenter"))
    expect(row).to_contain_text("<5")
    ties = pg.locator("#t-rc_ties")
    expect(ties).to_contain_text(nurses)
    # two answers never show their mean (4,0), in any cell of the heatmap
    assert not re.search(r"\b4[.,]0", heat.inner_text())
    assert axe_violations(pg) == []
    # answering twice is refused
    context.close()
    context, again = _session(browser, live_server, "mette")
    again.goto(f"/insights/survey/{round_.uuid}/answer/")
    expect(again.locator("#answer-problem")).to_be_visible()
    context.close()
