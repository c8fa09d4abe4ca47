"""Hooks for django-axes, which locks out a username+IP combination after repeated failed
password log-ins (see settings/auth.py)."""

import math

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def is_not_a_password_attempt(request: HttpRequest, credentials: dict | None) -> bool:
    """Exempt attempts without a username from counting: they are OpenID Connect callbacks,
    whose guessing the identity provider prevents, not password guesses."""
    return not (credentials or {}).get("username")


def client_ip(request: HttpRequest) -> str:
    """The client's address. Behind TRUSTED_PROXY_COUNT reverse proxies it is the entry that
    the outermost trusted proxy appended to X-Forwarded-For; anything further left is written
    by the client and could be forged to escape the lockout."""
    remote = request.META.get("REMOTE_ADDR", "")
    hops = settings.TRUSTED_PROXY_COUNT
    if hops <= 0:
        return remote
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [a for a in forwarded if a]
    return forwarded[-hops] if len(forwarded) >= hops else remote


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: dict | None
) -> HttpResponse:
    """The lockout page (429). It names neither the username nor whether it exists: a
    username that does not exist is locked out exactly like one that does."""
    minutes = max(1, math.ceil(settings.AXES_COOLOFF_TIME.total_seconds() / 60))
    return render(
        request,
        "accounts/locked_out.html",
        {"minutes": minutes},
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )
