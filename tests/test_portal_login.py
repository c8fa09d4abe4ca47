"""The citizen's MitID log-in to the portal, end to end against the real local OpenID
provider (tests/oidc_provider/, the one the staff log-in tests start): the ID token carries
the CPR number and the assurance level; faults in audience, issuer, acr and nonce are made by
the provider itself (identities.id_token_hook), so the portal meets them as signed tokens."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from enplan.accounts.models import Role, User
from enplan.audit.models import AuditEntry
from enplan.portal.models import CitizenLogin

from .conftest import make_citizen
from .oidc_provider.identities import (
    CITIZEN_A_CPR,
    CLIENT_ID,
    CLIENT_SECRET,
    CPR_CLAIM,
    SUBSTANTIAL,
)
from .test_oidc import provider, provider_login  # noqa: F401 (the provider fixture)

pytestmark = pytest.mark.django_db(transaction=True)

CALLBACK = "/portal/mitid/callback/"


@pytest.fixture
def portal_oidc(provider, settings, monkeypatch):  # noqa: F811
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    settings.PORTAL_OIDC = {
        **settings.PORTAL_OIDC,
        "OIDC_RP_CLIENT_ID": CLIENT_ID,
        "OIDC_RP_CLIENT_SECRET": CLIENT_SECRET,
        "OIDC_OP_ISSUER": provider["issuer"],
        "OIDC_OP_AUTHORIZATION_ENDPOINT": provider["authorization_endpoint"],
        "OIDC_OP_TOKEN_ENDPOINT": provider["token_endpoint"],
        "OIDC_OP_USER_ENDPOINT": provider["userinfo_endpoint"],
        "OIDC_OP_JWKS_ENDPOINT": provider["jwks_uri"],
        "OIDC_ACR_VALUES": SUBSTANTIAL,
    }
    settings.PORTAL_CPR_CLAIM = CPR_CLAIM
    return provider


@pytest.fixture
def anna(caseworker, psych):
    return make_citizen(caseworker, cpr=CITIZEN_A_CPR, given_name="Anna", family_name="Mitid")


def start(client: Client) -> str:
    response = client.get("/portal/mitid/start/")
    assert response.status_code == 302
    return response["Location"]


def come_back(client: Client, redirect: str):
    parts = urlsplit(redirect)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"http://testserver{CALLBACK}"
    return client.get(f"{parts.path}?{parts.query}")


def test_login_page_offers_mitid(client, portal_oidc):
    html = client.get("/portal/login/").content.decode()
    assert 'id="mitid-login"' in html and 'href="/portal/mitid/start/"' in html


def test_authorization_request_asks_for_substantial(client, portal_oidc):
    query = parse_qs(urlsplit(start(client)).query)
    assert query["acr_values"] == [SUBSTANTIAL]
    assert query["redirect_uri"] == [f"http://testserver{CALLBACK}"]
    assert query["code_challenge_method"] == ["S256"] and query["nonce"][0]


def test_citizen_logs_in_and_sees_her_plan(client, portal_oidc, anna):
    response = come_back(client, provider_login(start(client), "borger.a"))
    assert response.status_code == 302 and response["Location"] == "/portal/"
    user = User.objects.get(pk=client.session["_auth_user_id"])
    assert user.role == Role.CITIZEN and user.citizen_login.citizen == anna
    assert not user.has_usable_password()
    page = client.get("/portal/")
    assert page.status_code == 200 and "Anna" in page.content.decode()
    assert AuditEntry.objects.filter(citizen_uuid=anna.uuid, object_type="portal_login").exists()
    # A second log-in reuses her user.
    client.post("/accounts/logout/")
    come_back(client, provider_login(start(client), "borger.a"))
    assert CitizenLogin.objects.filter(citizen=anna).count() == 1
    assert User.objects.filter(role=Role.CITIZEN).count() == 1


def _refused(client, username: str) -> str:
    users = User.objects.count()
    response = come_back(client, provider_login(start(client), username))
    assert response.status_code == 302 and response["Location"] == "/portal/login/"
    assert "_auth_user_id" not in client.session
    assert User.objects.count() == users and not CitizenLogin.objects.exists()
    assert client.get("/portal/")["Location"] == "/portal/login/"
    return client.get("/portal/login/").content.decode()


def test_unknown_cpr_is_refused_and_nothing_created(client, portal_oidc, anna):
    assert "Vi kunne ikke finde dig" in _refused(client, "borger.ukendt")


@pytest.mark.parametrize("username", ["borger.lav", "borger.aud", "borger.iss", "borger.nonce"])
def test_wrong_acr_audience_issuer_or_nonce_is_refused(client, portal_oidc, anna, username):
    assert "Log-in virkede ikke" in _refused(client, username)


def test_a_replayed_answer_is_refused(client, portal_oidc, anna):
    back = provider_login(start(client), "borger.a")
    come_back(client, back)
    client.post("/accounts/logout/")
    response = come_back(client, back)
    assert response["Location"] == "/portal/login/" and "_auth_user_id" not in client.session


def test_staff_log_in_is_not_disturbed(client, portal_oidc, anna, caseworker):
    """A citizen's identity at the staff callback is no staff member (the staff backend never
    matches a citizen; the portal backend never answers the staff callback)."""
    from .test_oidc import CALLBACK as STAFF_CALLBACK

    response = client.get("/accounts/oidc/start/")
    assert response.status_code == 404  # staff OIDC not configured here: untouched
    assert STAFF_CALLBACK == "/accounts/oidc/callback/"
