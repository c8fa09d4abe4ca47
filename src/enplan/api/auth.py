"""API authentication: the browser session (with CSRF) or a personal bearer token.

The citizen API is for professionals only; other roles are refused (403) before any input
is even read, so a refusal never depends on, or echoes, what was sent.

MedCom receipt is for systems, not people: it accepts only a message integration's key
(`IntegrationAuth`), never a personal token or a session.
"""

from django.core.exceptions import PermissionDenied
from ninja.security import HttpBearer, SessionAuth

from enplan.accounts.models import ApiToken
from enplan.citizens.access import require_professional
from enplan.messaging.models import MessageIntegration


class TokenAuth(HttpBearer):
    """A personal API token; `allowed` refuses a role the router is not for (403)."""

    allowed = staticmethod(require_professional)

    def authenticate(self, request, token: str):
        user = ApiToken.objects.authenticate(token)
        if user is not None:
            request.user = user
            self.allowed(user)
        return user


class ProfessionalSessionAuth(SessionAuth):
    """The browser session; `allowed` as for TokenAuth."""

    allowed = staticmethod(require_professional)

    def authenticate(self, request, key):
        user = super().authenticate(request, key)
        if user is not None:
            self.allowed(user)
        return user


class IntegrationAuth(HttpBearer):
    """A message integration's key (`manage.py create_message_integration`)."""

    def authenticate(self, request, token: str):
        integration = MessageIntegration.objects.authenticate(token)
        if integration is not None:
            request.integration = integration
        return integration


AUTH = [TokenAuth(), ProfessionalSessionAuth()]
INTEGRATION_AUTH = [IntegrationAuth()]

__all__ = ["AUTH", "INTEGRATION_AUTH", "PermissionDenied"]
