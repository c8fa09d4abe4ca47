"""Security headers not covered by Django's SecurityMiddleware or django-csp, and the
choice of interface language."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.middleware.locale import LocaleMiddleware
from django.utils import translation

PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and "Cache-Control" not in response:
            # Pages with personal data must not linger in a shared computer's cache.
            response["Cache-Control"] = "no-store, private"
        return response


class DefaultLanguageMiddleware(LocaleMiddleware):
    """Danish unless the user chose English (the language cookie set by the switch).

    Django's LocaleMiddleware follows the browser's Accept-Language header when no choice was
    made; enplan's documented default is Danish, for the log-in page too, so the header is
    not consulted. API clients (no cookie, no switch) still get the header's language.
    """

    def process_request(self, request: HttpRequest) -> None:
        if request.path_info.startswith(("/api/", "/fhir/")):
            # Machines name the language of their error messages with the header.
            return super().process_request(request)
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        supported = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
