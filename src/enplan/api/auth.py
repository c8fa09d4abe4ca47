"""API authentication: the browser session (with CSRF) or a personal bearer token."""

from ninja.security import HttpBearer, django_auth

from enplan.accounts.models import ApiToken


class TokenAuth(HttpBearer):
    def authenticate(self, request, token: str):
        user = ApiToken.objects.authenticate(token)
        if user is not None:
            request.user = user
        return user


AUTH = [TokenAuth(), django_auth]
