"""API authentication: the browser session (with CSRF) or a personal bearer token.

The citizen API is for professionals only; other roles are refused (403) before any input
is even read, so a refusal never depends on, or echoes, what was sent.
"""

from django.core.exceptions import PermissionDenied
from ninja.security import HttpBearer, SessionAuth

from enplan.accounts.models import ApiToken
from enplan.citizens.access import require_professional


class TokenAuth(HttpBearer):
    def authenticate(self, request, token: str):
        user = ApiToken.objects.authenticate(token)
        if user is not None:
            request.user = user
            require_professional(user)
        return user


class ProfessionalSessionAuth(SessionAuth):
    def authenticate(self, request, key):
        user = super().authenticate(request, key)
        if user is not None:
            require_professional(user)
        return user


AUTH = [TokenAuth(), ProfessionalSessionAuth()]

__all__ = ["AUTH", "PermissionDenied"]
