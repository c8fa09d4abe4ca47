"""Citizen sessions and staff sessions are kept apart in one place.

A citizen (role `citizen`, logged in through MitID in the portal) reaches the portal, the
log-out and the language switch only: every staff page answers 403 and the API 403 JSON. A
staff user reaches no portal page (only its log-in pages), so nobody looks at the portal
"as" a citizen. The staff access functions give a citizen user no citizen either; this is
the belt to those braces.
"""

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import translation
from django.utils.translation import gettext as _

from .access import is_citizen_user

PORTAL_PREFIX = "/portal/"
OPEN_TO_ALL = frozenset({"accounts:logout", "set_language"})
# Portal pages anyone may open: the log-in itself.
PORTAL_LOGIN_VIEWS = frozenset(
    {"portal:login", "portal:oidc_start", "portal:oidc_callback", "portal:demo_login"}
)
API_PREFIXES = ("/api/", "/fhir/")


class CitizenSessionMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path_info.startswith(PORTAL_PREFIX):
            # Staff pages speak Danish or English only; the other portal languages stay there.
            if translation.get_language() not in settings.STAFF_LANGUAGES:
                translation.activate(settings.LANGUAGE_CODE)
                request.LANGUAGE_CODE = settings.LANGUAGE_CODE
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        match = request.resolver_match
        name = match.view_name if match is not None else ""
        if name in OPEN_TO_ALL or (
            settings.STATIC_URL and request.path_info.startswith(settings.STATIC_URL)
        ):
            return None
        in_portal = request.path_info.startswith(PORTAL_PREFIX)
        if is_citizen_user(request.user):
            if in_portal:
                return None
            if request.path_info.startswith(API_PREFIXES):
                return JsonResponse({"detail": _("This is for staff only.")}, status=403)
            raise PermissionDenied(_("This page is for staff. Your own pages are in Min plan."))
        if in_portal and name not in PORTAL_LOGIN_VIEWS and request.user.is_authenticated:
            raise PermissionDenied(
                _("Min plan is for the citizen herself. Log out to log in as a citizen.")
            )
        return None
