"""Log-in: password, lockout, the TOTP second factor, mandatory two-factor organisations, API
sessions, idle expiry and cookie flags. The last tests drive real Chromium (Playwright).

Codes are computed from the device's key exactly as an authenticator app does.
"""

import base64
import json
import os
import re
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from enplan.accounts.models import ApiToken

from .conftest import PASSWORD

PROJECT = Path(__file__).resolve().parent.parent
LOGIN = "/accounts/login/"
CASELOAD = "/citizens/"
VERIFY = "/accounts/two-factor/verify/"
ENROL = "/accounts/two-factor/enrol/"
SECURITY = "/accounts/two-factor/"


# --- helpers -------------------------------------------------------------------------------


def login(client: Client, username: str = "mette", password: str = PASSWORD, **kwargs):
    return client.post(LOGIN, {"username": username, "password": password}, **kwargs)


def logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def totp_from_key(key: bytes, *, steps_ahead: int = 0, drift: int = 0) -> str:
    """The code an authenticator app shows now (or that many 30-second steps later)."""
    totp = TOTP(key, step=30, t0=0, digits=6, drift=drift)
    totp.time = time.time() + 30 * steps_ahead
    return f"{totp.token():06d}"


def code_for(device: TOTPDevice, steps_ahead: int = 0) -> str:
    device.refresh_from_db()
    return totp_from_key(device.bin_key, steps_ahead=steps_ahead, drift=device.drift)


def wrong_code_for(device: TOTPDevice) -> str:
    valid = {code_for(device, s) for s in (-1, 0, 1)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in valid)


def add_device(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="app", confirmed=True)


def without_csrf(html: str) -> str:
    return re.sub(r"[A-Za-z0-9]{64}", "", html)  # CSRF tokens differ per response


# --- password log-in -----------------------------------------------------------------------


def test_password_login_in_danish(client, caseworker):
    page = client.get(LOGIN)
    assert page.status_code == 200
    html = page.content.decode()
    assert '<html lang="da">' in html and "Log ind i enplan" in html

    response = login(client)
    assert response.status_code == 302 and response["Location"] == CASELOAD
    assert logged_in(client)
    assert client.get(CASELOAD).status_code == 200


def test_password_login_in_english(client, caseworker):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # chosen with the language switch
    english = {}
    html = client.get(LOGIN, **english).content.decode()
    assert '<html lang="en">' in html and "Log in to enplan" in html

    response = login(client, **english)
    assert response.status_code == 302 and response["Location"] == CASELOAD
    assert "My citizens" in client.get(CASELOAD, **english).content.decode()


def test_login_goes_to_next_page_only_on_this_site(client, caseworker):
    response = client.post(
        LOGIN, {"username": "mette", "password": PASSWORD, "next": "/citizens/new/"}
    )
    assert response["Location"] == "/citizens/new/"
    client.logout()
    response = client.post(
        LOGIN, {"username": "mette", "password": PASSWORD, "next": "https://evil.example/"}
    )
    assert response["Location"] == CASELOAD


def test_wrong_password_gives_form_error(client, caseworker):
    response = login(client, password="not the password")
    assert response.status_code == 422
    html = response.content.decode()
    assert 'class="error" role="alert"' in html and "Indtast venligst korrekt" in html
    assert not logged_in(client)

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = login(client, password="still wrong")
    assert "Please enter a correct username and password" in english.content.decode()


def test_login_page_has_no_mitid_button_without_configuration(client, db):
    assert 'id="oidc-login"' not in client.get(LOGIN).content.decode()
    assert client.get("/accounts/oidc/start/").status_code == 404


# --- lockout -------------------------------------------------------------------------------


def test_lockout_after_repeated_failures_refuses_even_the_right_password(
    client, caseworker, outsider, settings
):
    settings.AXES_FAILURE_LIMIT = 5
    for _ in range(4):
        assert login(client, password="wrong").status_code == 422
    locked = login(client, password="wrong")
    assert locked.status_code == 429
    html = locked.content.decode()
    assert 'id="locked-out"' in html and "15 minutter" in html
    assert "mette" not in html  # the page does not echo the username

    right = login(client)
    assert right.status_code == 429
    assert not logged_in(client)
    assert client.get(CASELOAD).status_code == 302

    # The lockout is per username and address: others still log in.
    assert login(Client(REMOTE_ADDR="192.0.2.10")).status_code == 302
    assert login(Client(), username="olga").status_code == 302


def test_lockout_page_gives_no_hint_whether_the_user_exists(client, caseworker, settings):
    settings.AXES_FAILURE_LIMIT = 3
    pages = []
    for username in ("mette", "nobody-by-that-name"):
        for _ in range(3):
            response = login(client, username=username, password="wrong")
        assert response.status_code == 429
        pages.append(without_csrf(response.content.decode()))
    assert pages[0] == pages[1]

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = login(client, password="wrong")
    assert english.status_code == 429
    assert "too many failed log-in attempts" in english.content.decode()


def test_lockout_ends_after_the_cool_off(client, caseworker, settings):
    settings.AXES_FAILURE_LIMIT = 2
    settings.AXES_COOLOFF_TIME = timedelta(seconds=1)
    login(client, password="wrong")
    assert login(client, password="wrong").status_code == 429
    time.sleep(1.2)
    assert login(client).status_code == 302


# --- TOTP second factor --------------------------------------------------------------------


def test_totp_enrolment_then_login_with_invalid_and_valid_code(client, caseworker):
    user = caseworker.user
    assert login(client)["Location"] == CASELOAD  # no device: the password is enough

    page = client.get(ENROL)
    assert page.status_code == 200
    html = page.content.decode()
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    assert "<svg" in html and 'class="qr"' in html
    shown = re.search(r'<code id="totp-secret">([A-Z2-7 ]+)</code>', html).group(1)
    assert shown.replace(" ", "") == secret
    # Reloading keeps the same secret, so a QR code already scanned stays valid.
    client.get(ENROL)
    assert TOTPDevice.objects.filter(user=user).count() == 1

    refused = client.post(ENROL, {"code": wrong_code_for(device)})
    assert refused.status_code == 422 and 'role="alert"' in refused.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    time.sleep(1.1)  # a wrong code makes the device wait a second before the next try

    key = base64.b32decode(shown.replace(" ", "") + "=" * (-len(secret) % 8))
    confirmed = client.post(ENROL, {"code": totp_from_key(key)})
    assert confirmed.status_code == 302 and confirmed["Location"] == SECURITY
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(CASELOAD).status_code == 200  # this session proved the device

    # A new log-in with the password alone does not count yet.
    client.post("/accounts/logout/")
    response = login(client)
    assert response.status_code == 302
    assert response["Location"] == f"{VERIFY}?next=%2Fcitizens%2F"
    assert client.get(CASELOAD)["Location"] == f"{VERIFY}?next=%2Fcitizens%2F"
    assert client.get(SECURITY).status_code == 302

    bad = client.post(VERIFY, {"code": wrong_code_for(device), "next": CASELOAD})
    assert bad.status_code == 422
    assert "Det er ikke den rigtige kode" in bad.content.decode()
    # Throttled: even the right code waits until the pause is over.
    throttled = client.post(VERIFY, {"code": code_for(device, 1), "next": CASELOAD})
    assert throttled.status_code == 422 and "Prøv igen om" in throttled.content.decode()
    assert client.get(CASELOAD).status_code == 302

    time.sleep(1.1)
    good = client.post(VERIFY, {"code": code_for(device, 1), "next": CASELOAD})
    assert good.status_code == 302 and good["Location"] == CASELOAD
    assert client.get(CASELOAD).status_code == 200
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id


def test_a_code_is_accepted_only_once(client, caseworker):
    device = add_device(caseworker.user)
    code = code_for(device)
    login(client)
    assert client.post(VERIFY, {"code": code}).status_code == 302
    client.post("/accounts/logout/")
    login(client)
    assert client.post(VERIFY, {"code": code}).status_code == 422


def test_remove_device_needs_a_current_code(client, caseworker):
    device = add_device(caseworker.user)
    login(client)
    client.post(VERIFY, {"code": code_for(device)})
    assert client.get(SECURITY).status_code == 200

    assert client.post("/accounts/two-factor/remove/", {"code": "12"}).status_code == 422
    assert TOTPDevice.objects.filter(user=caseworker.user).exists()
    response = client.post("/accounts/two-factor/remove/", {"code": code_for(device, 1)})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=caseworker.user).exists()

    client.post("/accounts/logout/")
    assert login(client)["Location"] == CASELOAD


def test_replacing_a_device_needs_the_current_one_first(client, caseworker):
    old = add_device(caseworker.user)
    login(client)
    response = client.get(ENROL)
    assert response.status_code == 302 and response["Location"].startswith(VERIFY)
    assert not TOTPDevice.objects.filter(user=caseworker.user, confirmed=False).exists()

    client.post(VERIFY, {"code": code_for(old)})
    assert client.get(ENROL).status_code == 200
    new = TOTPDevice.objects.get(user=caseworker.user, confirmed=False)
    assert client.post(ENROL, {"code": code_for(new)}).status_code == 302
    assert list(TOTPDevice.objects.filter(user=caseworker.user)) == [new]


# --- mandatory two-factor ------------------------------------------------------------------


def test_mandatory_two_factor_forces_enrolment(client, caseworker, citizen, jobcenter, psych):
    jobcenter.require_two_factor = True
    jobcenter.save()

    response = login(client)
    assert response.status_code == 302
    assert response["Location"] == f"{ENROL}?next=%2Fcitizens%2F"

    # Nothing else is reachable until the device is confirmed …
    for url in (CASELOAD, f"/citizens/{citizen.uuid}/", f"/citizens/{citizen.uuid}/plan/"):
        blocked = client.get(url)
        assert blocked.status_code == 302 and blocked["Location"].startswith(ENROL), url
    assert client.get(VERIFY)["Location"].startswith(ENROL)
    htmx = client.get(f"/citizens/{citizen.uuid}/plan/", headers={"HX-Request": "true"})
    assert htmx["HX-Redirect"].startswith(ENROL)
    api = client.get("/api/v1/citizens")
    assert api.status_code == 403 and "detail" in api.json()
    # … except the enrolment page itself, the log-in page and the language switch.
    page = client.get(f"{ENROL}?next=/citizens/")
    assert page.status_code == 200
    assert "Din organisation kræver totrinsbekræftelse" in page.content.decode()
    assert client.post("/i18n/setlang/", {"language": "en"}).status_code == 302

    device = TOTPDevice.objects.get(user=caseworker.user, confirmed=False)
    done = client.post(ENROL, {"code": code_for(device), "next": CASELOAD})
    assert done.status_code == 302 and done["Location"] == CASELOAD
    assert client.get(CASELOAD).status_code == 200

    # It cannot be turned off while the organisation requires it.
    client.post("/accounts/two-factor/remove/", {"code": code_for(device, 1)})
    assert TOTPDevice.objects.filter(user=caseworker.user, confirmed=True).exists()

    # A professional of another organisation is not affected.
    other = Client()
    assert login(other, username="lene")["Location"] == CASELOAD


def test_users_without_organisation_are_not_forced(client, manager, jobcenter):
    jobcenter.require_two_factor = True
    jobcenter.save()
    # not sent to enrolment: straight to the manager's start page
    assert login(client, username="leder")["Location"] == "/insights/"


# --- API sessions ----------------------------------------------------------------------------


def test_unverified_session_is_refused_by_the_api_but_tokens_work(client, caseworker, citizen):
    device = add_device(caseworker.user)
    _, raw = ApiToken.issue(caseworker.user, "integration")
    bearer = {"headers": {"Authorization": f"Bearer {raw}"}}
    login(client)  # password only: the session owes its code

    for url in ("/api/v1/citizens", f"/fhir/r4/CareTeam/{citizen.uuid}"):
        refused = client.get(url)
        assert refused.status_code == 403, url
        assert refused["Content-Type"].startswith("application/json")
        assert "detail" in json.loads(refused.content)
        # A valid bearer token is not the session and passes, with or without the cookie.
        assert client.get(url, **bearer).status_code == 200, url
        assert Client().get(url, **bearer).status_code == 200, url
        # A made-up token does not smuggle the unverified session through.
        fake = {"headers": {"Authorization": "Bearer enp_made_up"}}
        assert client.get(url, **fake).status_code == 403, url

    client.post(VERIFY, {"code": code_for(device)})
    assert client.get("/api/v1/citizens").status_code == 200


# --- sessions and cookies --------------------------------------------------------------------


def test_idle_session_is_logged_out(client, caseworker, settings):
    assert settings.SESSION_SAVE_EVERY_REQUEST
    idle = settings.SESSION_COOKIE_AGE
    login(client)
    start = timezone.now()

    def at(seconds: float):
        with mock.patch("django.utils.timezone.now", return_value=start + timedelta(0, seconds)):
            return client.get(CASELOAD)

    # Activity keeps the session alive past its original age …
    assert at(idle * 0.9).status_code == 200
    assert at(idle * 1.8).status_code == 200
    # … and inactivity for longer than the idle time ends it.
    expired = at(idle * 1.8 + idle + 1)
    assert expired.status_code == 302 and expired["Location"].startswith(LOGIN)


def _settings_of(module: str, **env: str) -> dict:
    """Read a settings module in a fresh interpreter, with the given environment."""
    names = [
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SESSION_COOKIE_HTTPONLY",
        "SESSION_COOKIE_SAMESITE",
        "AXES_FAILURE_LIMIT",
        "AXES_COOLOFF_TIME",
    ]
    script = (
        "import importlib, json, sys; s = importlib.import_module(sys.argv[1]); "
        "print(json.dumps({n: getattr(s, n) for n in sys.argv[2:]}, default=str))"
    )
    environment = {k: v for k, v in os.environ.items() if k != "SECURE_COOKIES"}
    environment.update({"SECRET_KEY": "x" * 50, **env})
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", script, module, *names],
        env=environment,
        cwd=PROJECT,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


def test_production_cookies_are_secure_and_http_only(client, caseworker, settings):
    production = _settings_of("enplan.settings.production")
    assert production["SESSION_COOKIE_SECURE"] is True
    assert production["CSRF_COOKIE_SECURE"] is True
    assert production["SESSION_COOKIE_HTTPONLY"] is True
    assert production["SESSION_COOKIE_SAMESITE"] == "Lax"

    for name in ("SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY"):
        setattr(settings, name, production[name])
    response = login(client, secure=True)
    session = response.cookies[settings.SESSION_COOKIE_NAME]
    assert session["secure"] and session["httponly"] and session["samesite"] == "Lax"
    assert response.cookies[settings.CSRF_COOKIE_NAME]["secure"]


def test_lockout_is_configured_from_the_environment():
    default = _settings_of("enplan.settings.production")
    assert default["AXES_FAILURE_LIMIT"] == 5 and default["AXES_COOLOFF_TIME"] == "0:15:00"
    custom = _settings_of(
        "enplan.settings.production", AXES_FAILURE_LIMIT="3", AXES_COOLOFF_MINUTES="60"
    )
    assert custom["AXES_FAILURE_LIMIT"] == 3 and custom["AXES_COOLOFF_TIME"] == "1:00:00"


# --- in the browser --------------------------------------------------------------------------


def _password_step(page: Page, username: str = "mette") -> None:
    page.goto(LOGIN)
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("#main form button.primary").click()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_totp_login_in_browser(page, caseworker, citizen):
    device = add_device(caseworker.user)
    _password_step(page)
    expect(page).to_have_url(re.compile(re.escape(VERIFY) + r"\?next="))
    expect(page.locator("#two-factor-verify")).to_be_visible()

    page.fill("input[name=code]", wrong_code_for(device))
    page.locator("#main form button.primary").click()
    expect(page.locator("#two-factor-verify p.error[role=alert]")).to_be_visible()
    page.goto(CASELOAD)  # still not in
    expect(page).to_have_url(re.compile(re.escape(VERIFY)))

    time.sleep(1.1)  # the pause after a wrong code
    page.fill("input[name=code]", code_for(device))
    page.locator("#main form button.primary").click()
    expect(page).to_have_url(re.compile(r"/citizens/$"))
    expect(page.locator("#caseload")).to_contain_text("Anna Andersen")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_mandatory_enrolment_in_browser(page, caseworker, citizen, jobcenter):
    jobcenter.require_two_factor = True
    jobcenter.save()
    _password_step(page)
    expect(page).to_have_url(re.compile(re.escape(ENROL)))
    expect(page.locator("#two-factor-enrol svg.qr")).to_be_visible()

    # Type the key into "the app" (here: compute the code from it).
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    page.fill("input[name=code]", totp_from_key(key))
    page.locator("#main form button.primary").click()
    expect(page).to_have_url(re.compile(r"/citizens/$"))
    expect(page.locator("#caseload")).to_contain_text("Anna Andersen")
    assert TOTPDevice.objects.get(user=caseworker.user).confirmed
