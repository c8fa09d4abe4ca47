"""In real Chromium, in Danish and English: each role's start page, the DPO's CPR search and
export, an administrator sending a password-reset link, and a request to join a network."""

import io
import re
import zipfile

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from enplan.accounts.models import Role, User
from enplan.audit.models import Action, AuditEntry
from enplan.citizens.models import JoinRequest
from enplan.network.models import NetworkMembership

from .conftest import PASSWORD, fake_cpr, sign_out

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXT = {
    "da": {
        "forbidden": "Ingen adgang",
        "start": "Gå til din startside",
        "records": "Borgerjournaler (GDPR)",
        "export": "Eksportér alt (GDPR art. 15): JSON + PDF",
        "csv": "Eksportér som CSV",
        "welcome": "Velkommen",
        "received": "Oprettelsen er modtaget",
        "requests": "Anmodninger om at komme med i netværket",
        "accept": "Godkend",
        "reset": "Send et link til at vælge en ny adgangskode",
    },
    "en": {
        "forbidden": "Not allowed",
        "start": "Go to your start page",
        "records": "Citizen records (GDPR)",
        "export": "Export everything (GDPR art. 15): JSON + PDF",
        "csv": "Export as CSV",
        "welcome": "Welcome",
        "received": "Registration received",
        "requests": "Requests to join the network",
        "accept": "Accept",
        "reset": "Send a link to choose a new password",
    },
}


def _login(page: Page, username: str, lang: str) -> None:
    page.goto("/accounts/login/")
    if lang == "en":
        # Wait for the page the click leads to: the current page's load event has already
        # fired, so waiting for "load" can return before the navigation starts.
        page.locator("form.lang button[value=en]").click()
        expect(page.locator("html")).to_have_attribute("lang", "en")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("#main form button.primary").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))


def _user(role: str) -> User:
    return User.objects.create_user(f"u-{role}", password=PASSWORD, role=role, first_name="Ulla")


@pytest.mark.parametrize("lang", ["da", "en"])
@pytest.mark.parametrize(
    ("role", "start"),
    [
        ("manager", "/insights/"),
        ("politician", "/insights/"),
        ("sysadmin", "/admin/"),
        ("dpo", "/admin/"),
    ],
)
def test_each_role_lands_on_its_start_page_and_403_leads_home(page: Page, role, start, lang):
    _user(role)
    _login(page, f"u-{role}", lang)
    expect(page).to_have_url(re.compile(re.escape(start) + "$"))
    if start == "/insights/":  # no organisation or municipality set for this user yet
        expect(page.locator("#no-mandate h1")).to_be_visible()
    # A page this role may not open: the 403 page's way on is a page it may open.
    response = page.goto("/citizens/")
    assert response.status == 403
    expect(page.locator("#forbidden h1")).to_have_text(TEXT[lang]["forbidden"])
    link = page.locator("#forbidden a.button")
    expect(link).to_have_text(TEXT[lang]["start"])
    with page.expect_navigation() as nav:
        link.click()
    assert nav.value.status == 200
    expect(page).to_have_url(re.compile(re.escape(start) + "$"))


@pytest.mark.parametrize("lang", ["da", "en"])
def test_dpo_finds_a_citizen_by_cpr_and_exports_everything(page: Page, citizen, lang):
    _user(Role.DPO)
    _login(page, "u-dpo", lang)
    expect(page.get_by_role("link", name=TEXT[lang]["records"])).to_be_visible()
    page.get_by_role("link", name=TEXT[lang]["records"]).click()
    expect(page.locator("#result_list")).to_have_count(0)  # nobody without a CPR number
    page.fill("#searchbar", citizen.cpr_display)
    page.locator("#changelist-search [type=submit]").click()
    row = page.locator("#result_list tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(citizen.full_name)
    expect(row).to_contain_text(citizen.cpr_display)
    expect(row.locator("a")).to_have_count(0)  # nothing to open by id
    assert AuditEntry.objects.filter(
        actor="u-dpo", action=Action.READ, citizen_uuid=citizen.uuid
    ).exists()
    row.locator("input[type=checkbox]").check()
    page.select_option("select[name=action]", "export_gdpr")
    with page.expect_download() as download:
        page.locator("button[name=index]").click()
    archive = zipfile.ZipFile(io.BytesIO(open(download.value.path(), "rb").read()))
    assert f"enplan-{citizen.uuid}.pdf" in archive.namelist()
    # Opening the record by id is refused, and the refusal is logged.
    response = page.goto(f"/admin/gdpr/citizenrecord/{citizen.pk}/change/")
    assert response.status == 403
    assert AuditEntry.objects.filter(actor="u-dpo", action=Action.REFUSED).exists()
    # The audit log: newest first, searchable by CPR number, with the CSV export.
    page.goto("/admin/audit/auditentry/")
    page.fill("#searchbar", citizen.cpr)
    page.locator("#changelist-search [type=submit]").click()
    csv_link = page.get_by_role("link", name=TEXT[lang]["csv"])
    expect(csv_link).to_have_attribute("href", re.compile(r"export\.csv\?q="))
    first_when = page.locator("#result_list tbody tr td.field-when").first.inner_text()
    last_when = page.locator("#result_list tbody tr td.field-when").last.inner_text()
    assert first_when >= last_when or first_when[6:10] >= last_when[6:10]


@pytest.mark.parametrize("lang", ["da", "en"])
def test_admin_sends_a_reset_link_and_the_person_chooses_the_password(
    page: Page, caseworker, lang, settings
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    caseworker.user.email = "mette@example.org"
    caseworker.user.save()
    _user(Role.SYSADMIN)
    _login(page, "u-sysadmin", lang)
    page.goto(f"/admin/accounts/user/{caseworker.user.pk}/change/")
    expect(
        page.locator("#content-main input[name^=password], #content-main a[href*='/password/']")
    ).to_have_count(0)
    page.get_by_role("button", name=TEXT[lang]["reset"]).click()
    expect(page.locator(".messagelist .success")).to_be_visible()
    [message] = mail.outbox
    link = re.search(r"http://\S+/accounts/reset/\S+/", message.body).group(0)
    sign_out(page)
    page.goto(link)
    page.fill("input[name=new_password1]", "Nyt-kodeord-2026!")
    page.fill("input[name=new_password2]", "Nyt-kodeord-2026!")
    page.locator("#password-reset button.primary").click()
    expect(page.locator("#password-saved")).to_be_visible()
    caseworker.user.refresh_from_db()
    assert caseworker.user.check_password("Nyt-kodeord-2026!")


@pytest.mark.parametrize("lang", ["da", "en"])
def test_a_join_request_reveals_nothing_until_the_coordinator_accepts(
    page: Page, citizen, caseworker, outsider, lang
):
    def register(cpr: str) -> str:
        page.goto("/citizens/new/")
        page.fill("input[name=cpr]", cpr)
        page.fill("input[name=given_name]", "Karla")
        page.fill("input[name=family_name]", "Kristensen")
        page.fill("input[name=municipality_code]", "0159")
        page.select_option("select[name=my_role]", "mentor")
        page.locator("#main form button.primary").click()
        expect(page.locator("#registered h1")).to_have_text(TEXT[lang]["received"])
        return page.locator("#main").inner_html()

    _login(page, outsider.user.username, lang)
    known = register(citizen.cpr)
    unknown = register(fake_cpr())
    assert known == unknown
    assert JoinRequest.objects.filter(citizen=citizen, requester=outsider).exists()
    page.goto("/citizens/")
    expect(page.locator("#main")).not_to_contain_text(citizen.family_name)

    sign_out(page)
    _login(page, caseworker.user.username, lang)
    page.goto(f"/citizens/{citizen.uuid}/")
    requests = page.locator("#join-requests")
    expect(requests.locator("h2")).to_have_text(TEXT[lang]["requests"])
    expect(requests).to_contain_text(outsider.name)
    requests.get_by_role("button", name=TEXT[lang]["accept"]).click()
    expect(page.locator("#join-requests")).to_have_count(0)
    assert (
        NetworkMembership.objects.active().filter(citizen=citizen, professional=outsider).exists()
    )
