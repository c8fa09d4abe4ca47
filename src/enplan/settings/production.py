"""Production: PostgreSQL from DATABASE_URL, secret from the environment, TLS in front."""

from .base import *  # noqa: F403
from .base import env_bool, require_secret_key

require_secret_key()
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
# Probes and Prometheus may speak plain HTTP to the process behind the proxy.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
