"""Settings shared by every environment. Everything secret or site-specific comes from the
environment: DATABASE_URL, SECRET_KEY, DEBUG, ALLOWED_HOSTS."""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent  # src/enplan
PROJECT_DIR = BASE_DIR.parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [v.strip() for v in os.environ.get(name, default).split(",") if v.strip()]


SECRET_KEY = os.environ.get("SECRET_KEY", "")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")

INSTALLED_APPS = [
    "django.contrib.admin.apps.SimpleAdminConfig",  # our own site: enplan.accounts.admin_site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "ninja",
    "csp",
    "enplan.core",
    "enplan.accounts",
    "enplan.organisations",
    "enplan.citizens",
    "enplan.network",
    "enplan.courses",
    "enplan.plans",
    "enplan.consent",
    "enplan.audit",
    "enplan.gdpr",
    "enplan.messaging",
    "enplan.meetings",
    "enplan.certificates",
    "enplan.cooperation",
    "enplan.caseload",
    "enplan.portal",
    "enplan.insights",
    "enplan.api",
    "enplan.synthetic",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "enplan.core.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "enplan.core.middleware.DefaultLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "enplan.audit.context.AuditContextMiddleware",
]

ROOT_URLCONF = "enplan.urls"
WSGI_APPLICATION = "enplan.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "enplan.portal.context.portal_languages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{PROJECT_DIR / 'var' / 'enplan.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"  # each role's start page: enplan.accounts.start
LOGOUT_REDIRECT_URL = "accounts:login"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "da"
# Staff pages speak Danish and English; the citizen's portal also Arabic, Turkish and Somali
# (enplan.portal.middleware keeps the extra three on the portal's pages).
STAFF_LANGUAGES = ("da", "en")
PORTAL_LANGUAGES = [
    ("da", "Dansk"),
    ("en", "English"),
    ("ar", "العربية"),
    ("tr", "Türkçe"),
    ("so", "Soomaali"),
]
LANGUAGES = [
    ("da", _("Danish")),
    ("en", _("English")),
    ("ar", "العربية"),
    ("tr", "Türkçe"),
    ("so", "Soomaali"),
]
LANGUAGES_BIDI = ["ar"]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Danish dates and times in both languages (enplan/formats/en): 12.04.2026 15:43.
FORMAT_MODULE_PATH = ["enplan.formats"]
USE_I18N = True
TIME_ZONE = "Europe/Copenhagen"
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = PROJECT_DIR / "var" / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# Cookies and headers: secure by default; the demo relaxes only what plain HTTP requires.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_IDLE_SECONDS", str(30 * 60)))
SESSION_SAVE_EVERY_REQUEST = True  # the age above is then an inactivity timeout
# Renews the idle timeout at most once a minute instead of writing the session on every request.
SESSION_ENGINE = "enplan.accounts.sessions"
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie
X_FRAME_OPTIONS = "DENY"
# Only our own scripts, styles and images: no inline code anywhere (templates use none).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True

NINJA_PAGINATION_PER_PAGE = 50

# E-mail (password-reset links, meeting invitations with an iCalendar attachment): SMTP
# unless EMAIL_BACKEND says otherwise.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = 20
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "enplan <noreply@localhost>")
# The address links in e-mails start with, e.g. https://enplan.kommune.dk (else the request's).
ENPLAN_BASE_URL = os.environ.get("ENPLAN_BASE_URL", "")
# Load the PDF engine in the background when a server starts (first GDPR export is faster).
ENPLAN_PDF_WARMUP = env_bool("ENPLAN_PDF_WARMUP", True)
ENPLAN_RESET_AFTER_EMAIL_CHANGE_HOURS = int(
    os.environ.get("ENPLAN_RESET_AFTER_EMAIL_CHANGE_HOURS", "24")
)

# Delete a citizen's data this long after their last course ended (apply_retention).
ENPLAN_RETENTION_DAYS = int(os.environ.get("ENPLAN_RETENTION_DAYS", str(5 * 365)))


def require_secret_key() -> None:
    if not SECRET_KEY:
        raise ImproperlyConfigured("Set the SECRET_KEY environment variable.")


# Log-in: password (argon2), TOTP second factor, lockout and OpenID Connect live in their own
# module so that the authentication stack reads in one place.
from .auth import *  # noqa: E402, F403

INSTALLED_APPS += AUTH_EXTRA_APPS  # noqa: F405
MIDDLEWARE += AUTH_EXTRA_MIDDLEWARE  # noqa: F405
# Citizen and staff sessions apart (after authentication and the two-factor gate).
MIDDLEWARE += ["enplan.portal.middleware.CitizenSessionMiddleware"]  # noqa: F405
AUTHENTICATION_BACKENDS += ["enplan.portal.oidc.CitizenOIDCBackend"]  # noqa: F405

# --- The citizen's portal (enplan.portal): MitID through an OpenID Connect broker -------------
# Off unless client id, secret, issuer and endpoints are set. The CPR number comes in the
# claim PORTAL_CPR_CLAIM; the ID token's acr must be one of PORTAL_OIDC_ACR_VALUES.
PORTAL_OIDC = {
    "OIDC_RP_CLIENT_ID": os.environ.get("PORTAL_OIDC_RP_CLIENT_ID", ""),
    "OIDC_RP_CLIENT_SECRET": os.environ.get("PORTAL_OIDC_RP_CLIENT_SECRET", ""),
    "OIDC_OP_ISSUER": os.environ.get("PORTAL_OIDC_OP_ISSUER", ""),
    "OIDC_OP_AUTHORIZATION_ENDPOINT": os.environ.get("PORTAL_OIDC_OP_AUTHORIZATION_ENDPOINT", ""),
    "OIDC_OP_TOKEN_ENDPOINT": os.environ.get("PORTAL_OIDC_OP_TOKEN_ENDPOINT", ""),
    "OIDC_OP_USER_ENDPOINT": os.environ.get("PORTAL_OIDC_OP_USER_ENDPOINT", ""),
    "OIDC_OP_JWKS_ENDPOINT": os.environ.get("PORTAL_OIDC_OP_JWKS_ENDPOINT", ""),
    "OIDC_RP_SIGN_ALGO": "RS256",
    "OIDC_RP_SCOPES": os.environ.get("PORTAL_OIDC_RP_SCOPES", "openid"),
    "OIDC_ACR_VALUES": os.environ.get(
        "PORTAL_OIDC_ACR_VALUES", "https://data.gov.dk/concept/core/nsis/loa/Substantial"
    ),
    "OIDC_USE_NONCE": True,
    "OIDC_USE_PKCE": True,
    "OIDC_PKCE_CODE_CHALLENGE_METHOD": "S256",
    "OIDC_CREATE_USER": False,
}
PORTAL_CPR_CLAIM = os.environ.get("PORTAL_CPR_CLAIM", "dk:gov:saml:attribute:CprNumberIdentifier")
# The demo's one-click log-in as one of its two demo citizens (settings/demo.py turns it on).
PORTAL_DEMO_LOGIN = False
# What a citizen may consent to herself in the portal (the municipality decides): categories
# and the longest period in days. Health and substance use stay with the professionals.
PORTAL_CONSENT_CATEGORIES = os.environ.get(
    "PORTAL_CONSENT_CATEGORIES", "plan,employment,minutes,messages"
).split(",")
PORTAL_CONSENT_MAX_DAYS = int(os.environ.get("PORTAL_CONSENT_MAX_DAYS", "365"))

# Messaging (MedCom CareCommunication). Limits apply to received and sent messages alike.
ENPLAN_MESSAGE_MAX_BYTES = int(os.environ.get("ENPLAN_MESSAGE_MAX_BYTES", 20 * 1024 * 1024))
ENPLAN_ATTACHMENT_MAX_BYTES = int(os.environ.get("ENPLAN_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024))
ENPLAN_FHIR_BASE_URL = os.environ.get("ENPLAN_FHIR_BASE_URL", "https://enplan.local/fhir")
# Default transport for partners without their own endpoint: a drop folder (path) or an
# http(s):// URL that accepts POSTed Bundles. The worker retries with exponential backoff.
ENPLAN_MESSAGE_TRANSPORT = os.environ.get(
    "ENPLAN_MESSAGE_TRANSPORT", str(PROJECT_DIR / "var" / "outbox")
)
ENPLAN_MESSAGE_HTTP_TOKEN = os.environ.get("ENPLAN_MESSAGE_HTTP_TOKEN", "")
ENPLAN_MESSAGE_HTTP_TIMEOUT = float(os.environ.get("ENPLAN_MESSAGE_HTTP_TIMEOUT", 30))
# Messages per FHIR batch on POST /api/v1/messaging/receive-batch.
ENPLAN_RECEIVE_BATCH_MAX_ENTRIES = int(os.environ.get("ENPLAN_RECEIVE_BATCH_MAX_ENTRIES", 500))
ENPLAN_MESSAGE_MAX_ATTEMPTS = int(os.environ.get("ENPLAN_MESSAGE_MAX_ATTEMPTS", 12))
ENPLAN_MESSAGE_LEASE_SECONDS = int(os.environ.get("ENPLAN_MESSAGE_LEASE_SECONDS", 120))

# --- Operations: worker, health, metrics, logs (enplan.ops; docs/deploy.md) ---------------------
INSTALLED_APPS += ["django_tasks", "django_tasks_db", "enplan.ops"]
# The request id first, so every later middleware and log line carries it; the metrics
# middleware next, so that it times everything below it.
MIDDLEWARE.insert(0, "enplan.core.request_id.RequestIdMiddleware")
MIDDLEWARE.insert(1, "enplan.ops.metrics.MetricsMiddleware")

# Background runs are rows in the database (django-tasks' database backend): no broker.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def _schedules(value: str) -> dict[str, int]:
    """`messaging.deliver=5,audit.seal=60` → {"messaging.deliver": 5, …}; 0 switches off."""
    out = {}
    for part in value.split(","):
        name, sep, seconds = part.partition("=")
        if sep and name.strip():
            out[name.strip()] = int(seconds)
    return out


# Seconds between runs of periodic jobs, overriding each job's default (`enplan jobs` lists them).
ENPLAN_JOB_SCHEDULES = _schedules(os.environ.get("ENPLAN_JOB_SCHEDULES", ""))
ENPLAN_WORKER_POLL_SECONDS = float(os.environ.get("ENPLAN_WORKER_POLL_SECONDS", "1"))
ENPLAN_WORKER_HEARTBEAT_SECONDS = float(os.environ.get("ENPLAN_WORKER_HEARTBEAT_SECONDS", "5"))
# A worker silent this long is taken for dead: its running job is run again elsewhere, and
# /readyz says no worker is alive.
ENPLAN_WORKER_STALE_SECONDS = float(os.environ.get("ENPLAN_WORKER_STALE_SECONDS", "60"))
ENPLAN_JOB_RESULTS_KEEP_DAYS = int(os.environ.get("ENPLAN_JOB_RESULTS_KEEP_DAYS", "2"))
# The retention job only reports (dry run) unless this is set.
ENPLAN_RETENTION_EXECUTE = env_bool("ENPLAN_RETENTION_EXECUTE", False)

# /readyz thresholds.
ENPLAN_READY_OUTBOX_MAX = int(os.environ.get("ENPLAN_READY_OUTBOX_MAX", "1000"))
ENPLAN_READY_OUTBOX_MAX_AGE = int(os.environ.get("ENPLAN_READY_OUTBOX_MAX_AGE", "900"))
ENPLAN_READY_SEAL_LAG_MAX = int(os.environ.get("ENPLAN_READY_SEAL_LAG_MAX", "600"))
ENPLAN_READY_REQUIRE_WORKER = env_bool("ENPLAN_READY_REQUIRE_WORKER", True)

# /metrics: a bearer token, or a client address inside these networks (CIDR, comma-separated).
ENPLAN_METRICS_TOKEN = os.environ.get("ENPLAN_METRICS_TOKEN", "")
ENPLAN_METRICS_ALLOW = env_list("ENPLAN_METRICS_ALLOW", "")

# Logs: one JSON object per line on stderr, each with the request id (LOG_FORMAT=text for
# a terminal).
LOG_FORMAT = os.environ.get("LOG_FORMAT", "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "enplan.core.request_id.RequestIdFilter"}},
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": "text" if LOG_FORMAT == "text" else "json",
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    "loggers": {
        "enplan": {"level": os.environ.get("ENPLAN_LOG_LEVEL", "INFO")},
    },
}
