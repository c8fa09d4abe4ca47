"""Shared fixtures: a small, fictitious world of organisations, professionals and citizens."""

import datetime
import itertools
import os
from pathlib import Path

import pytest

from enplan.accounts.models import Role, User
from enplan.caseload.services import register_citizen
from enplan.citizens.models import Citizen
from enplan.core.cpr import passes_modulus11
from enplan.network.models import NetworkRole
from enplan.network.services import add_member
from enplan.organisations.models import Organisation, Profession, Professional, Sector
from enplan.plans.services import get_or_create_plan

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make
# around it are still plain synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# Rows the data migrations install (meeting rules, certificate kinds). A transactional test
# flushes the database afterwards; when tests run in parallel (pytest-xdist) such a test can
# come before an ordinary one on the same worker, so the rows are put back where missing.
INSTALLATION_DEFAULTS = (
    ("enplan.meetings.migrations.0002_default_kind_rules", "add_rules", "meetings.KindRule"),
    ("enplan.certificates.migrations.0002_default_kinds", "add", "certificates.CertificateKind"),
)


@pytest.fixture(autouse=True)
def _installation_defaults(request):
    uses_db = request.node.get_closest_marker("django_db") or {"db", "transactional_db"} & set(
        request.fixturenames
    )
    if not uses_db:
        return
    import importlib

    from django.apps import apps

    request.getfixturevalue("_django_db_helper")
    for module, function, model in INSTALLATION_DEFAULTS:
        if not apps.get_model(model).objects.exists():
            getattr(importlib.import_module(module), function)(apps, None)


PASSWORD = "correct horse battery"
_seq = itertools.count(1)


def fake_cpr(born: datetime.date = datetime.date(1990, 5, 17)) -> str:
    """A fictitious CPR number (fails modulus 11 on purpose) for a 20th-century birth."""
    while True:
        cpr = f"{born:%d%m%y}{next(_seq) % 4}{next(_seq) % 1000:03d}"
        if not passes_modulus11(cpr) and not Citizen.objects.filter(cpr=cpr).exists():
            return cpr


def make_org(name: str, sector: str, sor: str = "") -> Organisation:
    return Organisation.objects.create(
        name=name, sector=sector, sor_code=sor, phone="12 00 00 00", phone_hours="9-10"
    )


def make_professional(username: str, org: Organisation, profession=Profession.CASEWORKER):
    user = User.objects.create_user(
        username, password=PASSWORD, first_name=username.title(), last_name="Test"
    )
    return Professional.objects.create(
        user=user,
        organisation=org,
        name=f"{username.title()} Test",
        profession=profession,
        phone="12 34 56 78",
        phone_hours="Man 9-10",
    )


def make_citizen(coordinator: Professional, **fields) -> Citizen:
    citizen = Citizen(
        cpr=fields.pop("cpr", None) or fake_cpr(),
        birth_date=datetime.date(1990, 5, 17),
        given_name=fields.pop("given_name", "Anna"),
        family_name=fields.pop("family_name", f"Borger{next(_seq)}"),
        municipality_code="0159",
        **fields,
    )
    return register_citizen(coordinator.user, citizen, NetworkRole.COORDINATOR)


@pytest.fixture
def jobcenter(db):
    return make_org("Jobcenter Test", Sector.JOBCENTER, "900000000000001")


@pytest.fixture
def psychiatry(db):
    return make_org("Lokalpsykiatri Test", Sector.PSYCHIATRY, "900000000000002")


@pytest.fixture
def caseworker(jobcenter):
    return make_professional("mette", jobcenter)


@pytest.fixture
def psych(psychiatry):
    return make_professional("lene", psychiatry, Profession.NURSE)


@pytest.fixture
def outsider(jobcenter):
    """A professional at the same jobcenter who is not in the citizen's network."""
    return make_professional("olga", jobcenter)


@pytest.fixture
def manager(db):
    return User.objects.create_user(
        "leder", password=PASSWORD, role=Role.MANAGER, first_name="Birgitte"
    )


@pytest.fixture
def citizen(caseworker, psych):
    c = make_citizen(caseworker, given_name="Anna", family_name="Andersen")
    add_member(c, caseworker.user, role=NetworkRole.PSYCHIATRY_CONTACT, professional=psych)
    return c


@pytest.fixture
def plan(citizen, caseworker):
    return get_or_create_plan(citizen, caseworker.user)


@pytest.fixture
def client_for(client):
    def login(professional_or_user):
        user = getattr(professional_or_user, "user", professional_or_user)
        client.force_login(user)
        return client

    return login


# --- real headless Chromium (Debian's), one Playwright for the whole session ---------------

CHROMIUM = os.environ.get("ENPLAN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def watch_console(pg) -> list[str]:
    """Collect what a careful user would see in the developer console: uncaught JavaScript
    errors, console errors (a CSP violation is one: "Refused to apply inline style …") and
    404 answers for anything the page loads (a missing icon, script or stylesheet).

    An error status of the page itself or of an htmx request (a 404 page, a 422 form with
    errors) is a deliberate answer, not a fault: Chromium's "Failed to load resource" line
    for it is not counted; a 404 for a sub-resource is. Returns the live list of problems.
    """
    problems: list[str] = []

    def on_console(msg) -> None:
        if msg.type == "error" and not msg.text.startswith("Failed to load resource"):
            problems.append(f"console error: {msg.text}")

    def on_response(response) -> None:
        if response.status == 404 and response.request.resource_type not in (
            "document",
            "xhr",
            "fetch",
        ):
            problems.append(f"404 for {response.request.resource_type} {response.url}")

    pg.on("pageerror", lambda exc: problems.append(f"JavaScript error: {exc}"))
    pg.on("console", on_console)
    pg.on("response", on_response)
    return problems


@pytest.fixture
def page(browser, live_server):
    """A fresh browser context (no cookies) per test. JavaScript errors, console errors (CSP
    violations among them) and 404s for the page's resources fail the test (watch_console);
    the list is `page.console_problems` for a test that wants to look at it itself."""
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1200, "height": 900}, locale="da-DK"
    )
    context.set_default_timeout(10_000)
    pg = context.new_page()
    pg.console_problems = watch_console(pg)
    yield pg
    context.close()
    assert not pg.console_problems, "Problems in the browser console:\n" + "\n".join(
        pg.console_problems
    )


def sign_out(pg) -> None:
    """Forget who is logged in, as a new visitor would be. A request still in flight (an htmx
    fragment loaded by the last page) answers with the old session cookie, because every
    answer renews the session (SESSION_SAVE_EVERY_REQUEST); clearing the cookies before it has
    landed lets that answer log the old user back in behind the next log-in."""
    pg.wait_for_load_state("networkidle")
    pg.context.clear_cookies()


def browser_login(pg, professional) -> None:
    """Log in through the real log-in page of a browser page."""
    from playwright.sync_api import expect

    pg.goto("/accounts/login/")
    pg.fill("input[name=username]", professional.user.username)
    pg.fill("input[name=password]", PASSWORD)
    pg.locator("form button.primary").click()
    expect(pg).to_have_url("/citizens/")
