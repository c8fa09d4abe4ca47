"""OpenID Connect log-in (MitID Erhverv, directly or through a broker) on mozilla-django-oidc.

The library runs the authorization code flow with state, nonce and PKCE (S256) and checks the
ID token's RS256 signature against the provider's JWKS. On top of it enplan:

- checks the token's audience, issuer and (if configured) acr, which the library skips;
- maps the identity to an *existing* enplan user by the subject stored on the user, or, when
  OIDC_MATCH_VERIFIED_EMAIL allows it, once by a verified e-mail address (and then stores the
  subject) — it never creates a user;
- marks the session as strongly authenticated (MitID Erhverv is two-factor itself);
- shows a refusal page instead of a bare redirect when the log-in does not succeed.
"""

import logging

import jwt
from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import SuspiciousOperation
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView
from requests import RequestException

from .models import User
from .two_factor import AUTH_METHOD_OIDC, mark_logged_in

log = logging.getLogger(__name__)

REQUIRED_SETTINGS = (
    "OIDC_RP_CLIENT_ID",
    "OIDC_RP_CLIENT_SECRET",
    "OIDC_OP_ISSUER",
    "OIDC_OP_AUTHORIZATION_ENDPOINT",
    "OIDC_OP_TOKEN_ENDPOINT",
    "OIDC_OP_JWKS_ENDPOINT",
)
REFUSAL_SESSION_KEY = "enplan_oidc_refusal"


class Refusal:
    """Why a log-in through the provider did not succeed (shown to the user)."""

    UNKNOWN_IDENTITY = "unknown"
    FAILED = "failed"


def oidc_enabled() -> bool:
    """OpenID Connect is offered only when the deployment configured all of it."""
    return all(getattr(settings, name, "") for name in REQUIRED_SETTINGS)


def _refuse(request: HttpRequest, reason: str) -> None:
    request.enplan_oidc_refusal = reason


class OIDCBackend(OIDCAuthenticationBackend):
    """Authenticates the provider's callback and maps the identity to a provisioned user."""

    def authenticate(self, request: HttpRequest | None, **kwargs) -> User | None:
        # Password attempts pass every backend too; this one only answers the OIDC callback.
        if request is None or "password" in kwargs or not oidc_enabled():
            return None
        try:
            return super().authenticate(request, **kwargs)
        except (RequestException, SuspiciousOperation, jwt.PyJWTError, ValueError) as exc:
            log.warning("OpenID Connect log-in failed: %s", exc)
            _refuse(request, Refusal.FAILED)
            return None

    def get_user(self, user_id):
        return ModelBackend.get_user(self, user_id)  # refuses inactive users, as for passwords

    def _verify_jws(self, payload: str, key) -> dict:
        """Verify signature, algorithm, expiry, audience and issuer of the ID token."""
        header = jwt.get_unverified_header(payload)
        if header.get("alg") != self.OIDC_RP_SIGN_ALGO:
            raise SuspiciousOperation("unexpected ID token algorithm")
        claims = jwt.decode(
            payload,
            key,
            algorithms=[self.OIDC_RP_SIGN_ALGO],
            audience=self.OIDC_RP_CLIENT_ID,
            issuer=settings.OIDC_OP_ISSUER,
            leeway=30,
            options={"require": ["exp", "iat", "iss", "aud", "sub"]},
        )
        wanted_acr = settings.OIDC_ACR_VALUES.split()
        if wanted_acr and claims.get("acr") not in wanted_acr:
            raise SuspiciousOperation("the provider did not meet the required assurance level")
        return claims

    def get_or_create_user(self, access_token: str, id_token: str, payload: dict) -> User | None:
        subject = payload["sub"]
        user = User.objects.filter(oidc_subject=subject, is_active=True).first()
        if user is None and settings.OIDC_MATCH_VERIFIED_EMAIL:
            user = self._link_by_verified_email(access_token, id_token, payload)
        if user is None:
            log.info("OpenID Connect identity %s matches no enplan user", subject)
            _refuse(self.request, Refusal.UNKNOWN_IDENTITY)
        return user

    def _link_by_verified_email(self, access_token: str, id_token: str, payload: dict):
        claims = {**payload, **self.get_userinfo(access_token, id_token, payload)}
        if claims.get("sub") != payload["sub"]:
            raise SuspiciousOperation("userinfo is about another subject than the ID token")
        email = (claims.get("email") or "").strip()
        if not email or claims.get("email_verified") not in (True, "true"):
            return None
        with transaction.atomic():
            candidates = list(
                User.objects.select_for_update().filter(
                    email__iexact=email, is_active=True, oidc_subject__isnull=True
                )[:2]
            )
            if len(candidates) != 1:
                return None
            user = candidates[0]
            user.oidc_subject = payload["sub"]
            user.save(update_fields=["oidc_subject"])
        log.info("Linked OpenID Connect identity to user %s by verified e-mail", user.pk)
        return user


class OIDCStartView(OIDCAuthenticationRequestView):
    """Redirect to the provider (404 while OpenID Connect is not configured)."""

    def get(self, request: HttpRequest) -> HttpResponse:
        if not oidc_enabled():
            raise Http404
        return super().get(request)


class OIDCCallbackView(OIDCAuthenticationCallbackView):
    """Finish the log-in; on success the session counts as two-factor verified."""

    def get(self, request: HttpRequest) -> HttpResponse:
        if not oidc_enabled():
            raise Http404
        return super().get(request)

    @property
    def success_url(self) -> str:
        from .start import start_url

        return self.request.session.get("oidc_login_next") or start_url(self.request.user)

    def login_success(self) -> HttpResponse:
        response = super().login_success()
        mark_logged_in(self.request, AUTH_METHOD_OIDC)
        return response

    def login_failure(self) -> HttpResponse:
        reason = getattr(self.request, "enplan_oidc_refusal", Refusal.FAILED)
        self.request.session[REFUSAL_SESSION_KEY] = reason
        return HttpResponseRedirect(reverse("accounts:oidc_refused"))
