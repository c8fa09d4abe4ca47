"""OpenID Connect log-in (MitID Erhverv) end to end against a real provider.

The provider is django-oidc-provider running as its own Django project in a separate process
on 127.0.0.1 (tests/oidc_provider/); nothing is mocked at the HTTP layer: enplan fetches the
provider's keys and exchanges the code over HTTP, and checks the RS256-signed ID token.
Most tests play the browser's part with an HTTP client; the last ones drive real Chromium.
"""

import os
import re
import socket
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from enplan.accounts.models import User
from enplan.accounts.two_factor import AUTH_METHOD_OIDC, AUTH_METHOD_SESSION_KEY

from .oidc_provider.identities import CLIENT_ID, CLIENT_SECRET, PASSWORD, subject_for

pytestmark = pytest.mark.django_db(transaction=True)

PROVIDER_DIR = Path(__file__).resolve().parent / "oidc_provider"
CALLBACK = "/accounts/oidc/callback/"
CASELOAD = "/citizens/"


# --- the provider --------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def provider(live_server, tmp_path_factory):
    """Start the provider for the whole session; its client may return to the live server
    (browser tests) and to Django's test client (http://testserver)."""
    workdir = tmp_path_factory.mktemp("oidc-provider")
    port = _free_port()
    base = f"http://127.0.0.1:{port}/openid"
    environment = {
        k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "DATABASE_URL"}
    }
    environment["NO_PROXY"] = "127.0.0.1,localhost"
    log = (workdir / "provider.log").open("w")
    process = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            str(PROVIDER_DIR / "serve.py"),
            "--port",
            str(port),
            "--database",
            str(workdir / "provider.sqlite3"),
            "--redirect-uri",
            f"{live_server.url}{CALLBACK}",
            "--redirect-uri",
            f"http://testserver{CALLBACK}",
            # The citizen portal's MitID log-in (tests/test_portal_login.py).
            "--redirect-uri",
            f"{live_server.url}/portal/mitid/callback/",
            "--redirect-uri",
            "http://testserver/portal/mitid/callback/",
        ],
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        discovery = None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and process.poll() is None:
            try:
                answer = requests.get(f"{base}/.well-known/openid-configuration", timeout=1)
                if answer.status_code == 200:
                    discovery = answer.json()
                    break
            except requests.ConnectionError:
                pass
            time.sleep(0.2)
        if discovery is None:
            log.flush()
            output = (workdir / "provider.log").read_text()
            pytest.fail(f"the test provider did not start:\n{output}")
        yield discovery
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.fixture
def oidc(provider, settings, monkeypatch):
    """Configure enplan for the provider, from its discovery document."""
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_OP_ISSUER = provider["issuer"]
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = provider["authorization_endpoint"]
    settings.OIDC_OP_TOKEN_ENDPOINT = provider["token_endpoint"]
    settings.OIDC_OP_USER_ENDPOINT = provider["userinfo_endpoint"]
    settings.OIDC_OP_JWKS_ENDPOINT = provider["jwks_uri"]
    settings.OIDC_MATCH_VERIFIED_EMAIL = False
    return provider


@pytest.fixture
def mette(caseworker):
    """The caseworker, linked to her MitID Erhverv identity by its subject."""
    caseworker.user.oidc_subject = subject_for("mette.mitid")
    caseworker.user.save()
    return caseworker.user


class _Forms(HTMLParser):
    """The forms of a page: action and input values (enough for the provider's pages)."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({"action": attrs.get("action") or "", "fields": {}})
        elif tag == "input" and self.forms and attrs.get("name"):
            if attrs.get("type") != "submit":
                self.forms[-1]["fields"][attrs["name"]] = attrs.get("value") or ""


def _form(response: requests.Response) -> tuple[str, dict]:
    parser = _Forms()
    parser.feed(response.text)
    form = parser.forms[0]
    return urljoin(response.url, form["action"] or response.url), form["fields"]


def provider_login(authorize_url: str, username: str, *, consent: bool = True) -> str:
    """Do at the provider what a person does in the browser: log in, then allow (or decline)
    sharing with enplan. Returns the URL the provider sends the browser back to."""
    browser = requests.Session()
    browser.trust_env = False
    page = browser.get(authorize_url)  # -> the provider's log-in form
    action, fields = _form(page)
    fields.update(username=username, password=PASSWORD)
    page = browser.post(action, data=fields, headers={"Referer": page.url})
    action, fields = _form(page)  # the consent page
    if consent:
        fields["allow"] = "Authorize"
    answer = browser.post(action, data=fields, headers={"Referer": page.url}, allow_redirects=False)
    assert answer.status_code == 302, answer.text[:500]
    return answer.headers["Location"]


def start(client: Client, next_url: str = "") -> str:
    response = client.get("/accounts/oidc/start/" + (f"?next={next_url}" if next_url else ""))
    assert response.status_code == 302
    return response["Location"]


def come_back(client: Client, provider_redirect: str):
    """Follow the provider's redirect back into enplan (on the test client)."""
    parts = urlsplit(provider_redirect)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"http://testserver{CALLBACK}"
    return client.get(f"{parts.path}?{parts.query}")


# --- over HTTP -----------------------------------------------------------------------------


def test_login_page_offers_mitid_when_configured(client, oidc):
    html = client.get("/accounts/login/?next=/citizens/new/").content.decode()
    assert 'id="oidc-login"' in html and "Log ind med MitID Erhverv" in html
    assert 'href="/accounts/oidc/start/?next=%2Fcitizens%2Fnew%2F"' in html


def test_authorization_request_uses_state_nonce_and_pkce(client, oidc):
    location = start(client)
    assert location.startswith(oidc["authorization_endpoint"] + "?")
    query = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
    assert query["response_type"] == "code" and query["client_id"] == CLIENT_ID
    assert query["redirect_uri"] == f"http://testserver{CALLBACK}"
    assert "openid" in query["scope"].split()
    assert len(query["state"]) >= 32 and len(query["nonce"]) >= 32
    assert query["code_challenge_method"] == "S256" and len(query["code_challenge"]) == 43
    stored = client.session["oidc_states"][query["state"]]
    assert stored["nonce"] == query["nonce"] and len(stored["code_verifier"]) >= 43


def test_linked_identity_logs_in_and_counts_as_two_factor(client, oidc, mette, jobcenter, citizen):
    # Even with a TOTP device and a two-factor organisation, MitID Erhverv is enough.
    TOTPDevice.objects.create(user=mette, name="app", confirmed=True)
    jobcenter.require_two_factor = True
    jobcenter.save()

    back = provider_login(start(client, "/citizens/"), "mette.mitid")
    response = come_back(client, back)
    assert response.status_code == 302 and response["Location"] == CASELOAD
    assert client.session["_auth_user_id"] == str(mette.pk)
    assert client.session[AUTH_METHOD_SESSION_KEY] == AUTH_METHOD_OIDC
    assert "Anna Andersen" in client.get(CASELOAD).content.decode()
    assert client.get("/api/v1/citizens").status_code == 200


def test_unknown_identity_is_refused_and_not_logged_in(client, oidc, mette):
    users = User.objects.count()
    response = come_back(client, provider_login(start(client), "ukendt.mitid"))
    assert response.status_code == 302 and response["Location"] == "/accounts/oidc/refused/"
    refused = client.get(response["Location"])
    assert refused.status_code == 403
    assert "ikke knyttet til en bruger i enplan" in refused.content.decode()
    assert "_auth_user_id" not in client.session
    assert client.get(CASELOAD)["Location"].startswith("/accounts/login/")
    assert User.objects.count() == users  # never creates a user


def test_inactive_user_is_refused(client, oidc, mette):
    mette.is_active = False
    mette.save()
    response = come_back(client, provider_login(start(client), "mette.mitid"))
    assert response["Location"] == "/accounts/oidc/refused/"
    assert "_auth_user_id" not in client.session


def test_declined_consent_is_refused(client, oidc, mette):
    back = provider_login(start(client), "mette.mitid", consent=False)
    assert "error=access_denied" in back
    response = come_back(client, back)
    assert response["Location"] == "/accounts/oidc/refused/"
    html = client.get(response["Location"]).content.decode()
    assert "lykkedes ikke" in html
    assert "_auth_user_id" not in client.session


def test_token_from_another_issuer_is_refused(client, oidc, mette, settings):
    settings.OIDC_OP_ISSUER = "https://someone-else.example/openid"
    response = come_back(client, provider_login(start(client), "mette.mitid"))
    assert response["Location"] == "/accounts/oidc/refused/"
    assert "_auth_user_id" not in client.session


def test_callback_cannot_be_replayed_or_used_by_another_browser(client, oidc, mette):
    back = provider_login(start(client), "mette.mitid")
    # Someone who got hold of the redirect (code and state) in another browser session:
    thief = Client()
    stolen = come_back(thief, back)
    assert stolen["Location"] == "/accounts/oidc/refused/"
    assert "_auth_user_id" not in thief.session

    assert come_back(client, back)["Location"] == CASELOAD
    # The same state a second time is rejected (the state was used up).
    assert come_back(client, back).status_code == 400


def test_verified_email_links_only_when_allowed(client, oidc, psych, settings):
    lene = psych.user
    lene.email = "LENE@psykiatri.example"
    lene.save()

    # Off by default: the e-mail address alone does not log anyone in.
    come_back(client, provider_login(start(client), "lene.mitid"))
    assert "_auth_user_id" not in client.session

    settings.OIDC_MATCH_VERIFIED_EMAIL = True
    # An address the provider has not verified is not enough either.
    come_back(client, provider_login(start(client), "lene.unverified"))
    assert "_auth_user_id" not in client.session

    response = come_back(client, provider_login(start(client), "lene.mitid"))
    assert response["Location"] == CASELOAD
    assert client.session["_auth_user_id"] == str(lene.pk)
    lene.refresh_from_db()
    assert lene.oidc_subject == subject_for("lene.mitid")  # from now on by subject

    # Once linked, another identity with the same verified address cannot take it over.
    other = Client()
    come_back(other, provider_login(start(other), "lene.second"))
    assert "_auth_user_id" not in other.session


# --- in the browser ------------------------------------------------------------------------


def _mitid_in_browser(page: Page, username: str) -> None:
    page.goto("/accounts/login/")
    page.locator("#oidc-login").click()
    expect(page.locator("#op-login")).to_be_visible()  # the provider's own page
    assert page.url.startswith("http://127.0.0.1:")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("#op-submit").click()
    page.locator("input[name=allow]").click()  # the provider asks to share with enplan


@pytest.mark.browser
def test_mitid_login_in_browser(page, live_server, oidc, mette, citizen):
    # A TOTP device does not matter: MitID Erhverv is two-factor already.
    TOTPDevice.objects.create(user=mette, name="app", confirmed=True)
    _mitid_in_browser(page, "mette.mitid")
    expect(page).to_have_url(re.compile(re.escape(live_server.url) + r"/citizens/$"))
    expect(page.locator("#caseload")).to_contain_text("Anna Andersen")
    expect(page.locator("header .who")).to_have_text("Mette Test")


@pytest.mark.browser
def test_unknown_identity_refused_in_browser(page, oidc, mette):
    _mitid_in_browser(page, "ukendt.mitid")
    expect(page).to_have_url(re.compile(r"/accounts/oidc/refused/$"))
    expect(page.locator("#oidc-refused [role=alert]")).to_be_visible()
    page.goto(CASELOAD)
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
