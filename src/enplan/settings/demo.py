"""The demo: SQLite in ./var, fictitious data, plain HTTP on localhost."""

import os

from .base import *  # noqa: F403
from .base import PROJECT_DIR, env_bool

DEBUG = env_bool("DEBUG", True)
SECRET_KEY = os.environ.get("SECRET_KEY") or "demo-only-not-secret"  # noqa: S105
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
if "DATABASE_URL" not in os.environ:
    DATABASES = {  # noqa: F405
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": PROJECT_DIR / "var" / "demo.sqlite3",
        }
    }

# Serve static files straight from the apps (no collectstatic step).
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# E-mails (password-reset links, meeting invitations) are printed in the terminal the demo
# runs in, unless an SMTP server is configured.
if "EMAIL_BACKEND" not in os.environ:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

# The portal's one-click log-in as a demo citizen (never in production).
PORTAL_DEMO_LOGIN = True
