"""The citizen's log-in with MitID, through an OpenID Connect broker (as NemLog-in's and the
municipal brokers' OIDC interfaces work).

The flow is the staff log-in's (mozilla-django-oidc: authorization code with state, nonce and
PKCE, RS256 ID token checked against the provider's keys), with the portal's own client
settings (`PORTAL_OIDC`). On top of the library the portal

- checks audience, issuer and the assurance level (`acr`, NSIS substantial by default);
- reads the CPR number from a configurable claim and matches it to a citizen enplan knows;
  an unknown number is refused and nothing is created;
- links the citizen to one user of role `citizen` (made at her first log-in) and marks the
  session as a citizen session.

The portal's backend answers only its own callback: the staff backend is never asked about a
citizen's code, nor this one about a staff member's.
"""

import logging

import jwt
from django.conf import settings
from django.contrib import auth
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import SuspiciousOperation
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.utils import import_from_settings
from mozilla_django_oidc.views import OIDCAuthenticationRequestView
from requests import RequestException

from enplan.accounts.models import Role, User
from enplan.accounts.two_factor import AUTH_METHOD_OIDC, mark_logged_in
from enplan.audit.models import Action
from enplan.audit.services import record
from enplan.citizens.models import Citizen

from .access import SESSION_KEY
from .models import CitizenLogin

log = logging.getLogger(__name__)

BACKEND = "enplan.portal.oidc.CitizenOIDCBackend"
REFUSAL_SESSION_KEY = "enplan_portal_refusal"
REQUIRED = (
    "OIDC_RP_CLIENT_ID",
    "OIDC_RP_CLIENT_SECRET",
    "OIDC_OP_ISSUER",
    "OIDC_OP_AUTHORIZATION_ENDPOINT",
    "OIDC_OP_TOKEN_ENDPOINT",
    "OIDC_OP_JWKS_ENDPOINT",
)


class Refusal:
    UNKNOWN = "unknown"  # no citizen with this CPR number
    FAILED = "failed"  # anything else: token, signature, audience, issuer, acr, nonce


def portal_setting(attr: str, *default):
    """The portal's OIDC client settings, falling back to the library's defaults."""
    values = settings.PORTAL_OIDC
    if attr in values:
        return values[attr]
    if attr == "OIDC_AUTHENTICATION_CALLBACK_URL":
        return "portal:oidc_callback"
    if attr == "OIDC_AUTH_REQUEST_EXTRA_PARAMS":
        acr = values.get("OIDC_ACR_VALUES", "")
        return {"acr_values": acr} if acr else {}
    return import_from_settings(attr, *default)


def portal_oidc_enabled() -> bool:
    return all(settings.PORTAL_OIDC.get(name) for name in REQUIRED)


class CitizenOIDCBackend(OIDCAuthenticationBackend):
    get_settings = staticmethod(portal_setting)

    def authenticate(self, request: HttpRequest | None, **kwargs) -> User | None:
        # Only the portal's callback calls with portal=True; every other log-in passes by.
        if request is None or not kwargs.pop("portal", False) or not portal_oidc_enabled():
            return None
        try:
            return super().authenticate(request, **kwargs)
        except (RequestException, SuspiciousOperation, jwt.PyJWTError, ValueError) as exc:
            log.warning("Citizen MitID log-in failed: %s", exc)
            request.enplan_portal_refusal = Refusal.FAILED
            return None

    def get_user(self, user_id):
        return ModelBackend.get_user(self, user_id)

    def _verify_jws(self, payload: str, key) -> dict:
        header = jwt.get_unverified_header(payload)
        if header.get("alg") != self.OIDC_RP_SIGN_ALGO:
            raise SuspiciousOperation("unexpected ID token algorithm")
        claims = jwt.decode(
            payload,
            key,
            algorithms=[self.OIDC_RP_SIGN_ALGO],
            audience=self.OIDC_RP_CLIENT_ID,
            issuer=settings.PORTAL_OIDC["OIDC_OP_ISSUER"],
            leeway=30,
            options={"require": ["exp", "iat", "iss", "aud", "sub"]},
        )
        wanted = settings.PORTAL_OIDC.get("OIDC_ACR_VALUES", "").split()
        if wanted and claims.get("acr") not in wanted:
            raise SuspiciousOperation("the log-in did not reach the required assurance level")
        return claims

    def get_or_create_user(self, access_token: str, id_token: str, payload: dict) -> User | None:
        cpr = str(payload.get(settings.PORTAL_CPR_CLAIM) or "").replace("-", "").strip()
        # The log-in itself is the one lookup by CPR number outside any user's scope: it is
        # how the portal learns who she is. The number is never logged.
        citizen = Citizen.objects.filter(cpr=cpr).first() if len(cpr) == 10 else None
        if citizen is None:
            log.info("Citizen MitID log-in: the CPR number matches no citizen")
            self.request.enplan_portal_refusal = Refusal.UNKNOWN
            return None
        return citizen_user(citizen)


def citizen_user(citizen: Citizen) -> User:
    """The citizen's own user (made at her first log-in; its password is unusable)."""
    with transaction.atomic():
        link = CitizenLogin.objects.select_related("user").filter(citizen=citizen).first()
        if link is None:
            user = User(
                username=f"citizen-{citizen.uuid}",
                first_name=citizen.given_name,
                last_name=citizen.family_name,
                role=Role.CITIZEN,
            )
            user.set_unusable_password()
            user.save()
            link = CitizenLogin.objects.create(user=user, citizen=citizen)
        link.last_login_at = timezone.now()
        link.save(update_fields=["last_login_at"])
    return link.user


def log_in_citizen(request: HttpRequest, user: User) -> None:
    auth.login(request, user, backend=BACKEND)
    mark_logged_in(request, AUTH_METHOD_OIDC)
    request.session[SESSION_KEY] = True
    citizen = user.citizen_login.citizen
    record(user, citizen, Action.READ, ("portal_login", str(citizen.uuid)))


class PortalOIDCStartView(OIDCAuthenticationRequestView):
    get_settings = staticmethod(portal_setting)

    def __init__(self, *args, **kwargs):
        if not portal_oidc_enabled():
            self.OIDC_OP_AUTH_ENDPOINT = self.OIDC_RP_CLIENT_ID = ""
            return
        super().__init__(*args, **kwargs)

    def get(self, request: HttpRequest) -> HttpResponse:
        if not portal_oidc_enabled():
            raise Http404
        return super().get(request)


def _refused(request: HttpRequest, reason: str) -> HttpResponse:
    if request.user.is_authenticated:
        auth.logout(request)
    request.session[REFUSAL_SESSION_KEY] = reason
    return HttpResponseRedirect(reverse("portal:login"))


def oidc_callback(request: HttpRequest) -> HttpResponse:
    """The provider sends her back here: check state, nonce (in the token) and PKCE, then log
    her in as herself, or say plainly why not."""
    if not portal_oidc_enabled():
        raise Http404
    state = request.GET.get("state", "")
    states = request.session.get("oidc_states") or {}
    if request.GET.get("error") or "code" not in request.GET or state not in states:
        return _refused(request, Refusal.FAILED)
    entry = states.pop(state)  # one use only: a replayed answer finds no state
    request.session["oidc_states"] = states
    request.session.save()
    user = CitizenOIDCBackend().authenticate(
        request, portal=True, nonce=entry.get("nonce"), code_verifier=entry.get("code_verifier")
    )
    if user is None or not user.is_active:
        return _refused(request, getattr(request, "enplan_portal_refusal", Refusal.FAILED))
    log_in_citizen(request, user)
    return HttpResponseRedirect(reverse("portal:home"))
