"""Authentication settings (imported at the end of base): password log-in with lockout
(django-axes), an optional TOTP second factor (django-otp) and OpenID Connect log-in through
MitID Erhverv or its brokers (mozilla-django-oidc). Everything site-specific comes from the
environment; base.py appends AUTH_EXTRA_APPS and AUTH_EXTRA_MIDDLEWARE."""

import os
from datetime import timedelta


def _env(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def _env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


AUTH_EXTRA_APPS = [
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
]
# Order matters: OTPMiddleware needs request.user; the two-factor gate needs is_verified();
# AxesMiddleware (last, as axes asks) turns a lockout into the lockout page.
AUTH_EXTRA_MIDDLEWARE = [
    "django_otp.middleware.OTPMiddleware",
    "enplan.accounts.middleware.TwoFactorMiddleware",
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    # Refuses every attempt while a username+IP combination is locked out; must come first.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "enplan.accounts.oidc.OIDCBackend",
]

# --- Lockout (django-axes) -------------------------------------------------------------------
AXES_FAILURE_LIMIT = int(_env("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(_env("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "enplan.accounts.lockout.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429
# Only password guesses count: OpenID Connect log-ins carry no username and are throttled by
# the identity provider itself.
AXES_WHITELIST_CALLABLE = "enplan.accounts.lockout.is_not_a_password_attempt"
AXES_CLIENT_IP_CALLABLE = "enplan.accounts.lockout.client_ip"
# Number of reverse proxies in front of enplan that append to X-Forwarded-For (0: use the
# connection's address, which a client cannot forge).
TRUSTED_PROXY_COUNT = int(_env("TRUSTED_PROXY_COUNT", "0"))
AXES_VERBOSE = False

# --- TOTP second factor (django-otp) -----------------------------------------------------------
OTP_TOTP_ISSUER = _env("OTP_TOTP_ISSUER", "enplan")
OTP_TOTP_THROTTLE_FACTOR = 1  # wrong codes double the wait: 1 s, 2 s, 4 s …

# --- OpenID Connect (MitID Erhverv or a broker) ------------------------------------------------
# Off unless the client id, secret, issuer and endpoints are all set (see accounts/oidc.py).
OIDC_RP_CLIENT_ID = _env("OIDC_RP_CLIENT_ID")
OIDC_RP_CLIENT_SECRET = _env("OIDC_RP_CLIENT_SECRET")
OIDC_OP_ISSUER = _env("OIDC_OP_ISSUER")
OIDC_OP_AUTHORIZATION_ENDPOINT = _env("OIDC_OP_AUTHORIZATION_ENDPOINT")
OIDC_OP_TOKEN_ENDPOINT = _env("OIDC_OP_TOKEN_ENDPOINT")
OIDC_OP_USER_ENDPOINT = _env("OIDC_OP_USER_ENDPOINT")
OIDC_OP_JWKS_ENDPOINT = _env("OIDC_OP_JWKS_ENDPOINT")
OIDC_RP_SIGN_ALGO = _env("OIDC_RP_SIGN_ALGO", "RS256")
OIDC_RP_SCOPES = _env("OIDC_RP_SCOPES", "openid email")
OIDC_USE_NONCE = True
OIDC_USE_PKCE = True
OIDC_PKCE_CODE_CHALLENGE_METHOD = "S256"
OIDC_TIMEOUT = int(_env("OIDC_TIMEOUT_SECONDS", "10"))
OIDC_CREATE_USER = False  # staff are provisioned in enplan, never created by a log-in
OIDC_AUTHENTICATION_CALLBACK_URL = "accounts:oidc_callback"
# Link an identity to the one active user with the same e-mail address, if the provider says
# that address is verified and the user has no identity yet. Off: match the subject only.
OIDC_MATCH_VERIFIED_EMAIL = _env_bool("OIDC_MATCH_VERIFIED_EMAIL", False)
# Space-separated acr values to ask for (e.g. an NSIS assurance level); when set, the ID
# token's acr must be one of them.
OIDC_ACR_VALUES = _env("OIDC_ACR_VALUES")
OIDC_AUTH_REQUEST_EXTRA_PARAMS = {"acr_values": OIDC_ACR_VALUES} if OIDC_ACR_VALUES else {}
