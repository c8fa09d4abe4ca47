"""Tests: the database comes from DATABASE_URL (SQLite when unset; PostgreSQL in CI)."""

import os

from .base import *  # noqa: F403

SECRET_KEY = os.environ.get("SECRET_KEY") or "test-only-not-secret"  # noqa: S105
DEBUG = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
# Argon2 is checked by its own test; the rest of the suite logs in far faster with MD5.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.MD5PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Serve static files straight from the apps (no collectstatic step).
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# A file rather than memory for SQLite's test database, so that tests can start real worker
# processes (the outbox delivery worker) against the same data.
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    (PROJECT_DIR / "var").mkdir(exist_ok=True)  # noqa: F405
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": str(PROJECT_DIR / "var" / f"test-{os.getpid()}.sqlite3")  # noqa: F405
    }

ENPLAN_PDF_WARMUP = False  # tests time nothing and must not start threads at import
