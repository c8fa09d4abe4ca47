"""The two-factor gate: a logged-in session that still owes its second factor reaches only the
log-in, verification and enrolment pages.

The other apps protect their pages with `login_required`, which a password alone satisfies;
this middleware closes that gap in one place instead of in every view.
"""

from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

from .models import ApiToken
from .two_factor import Step, pending_step

# Views a session that owes its second factor may still use.
OPEN_VIEWS = frozenset(
    {
        "accounts:login",
        "accounts:logout",
        "accounts:two_factor_verify",
        "accounts:two_factor_enrol",
        "accounts:oidc_start",
        "accounts:oidc_callback",
        "accounts:oidc_refused",
        "accounts:password_reset_confirm",
        "accounts:password_reset_complete",
        "set_language",
    }
)
API_PREFIXES = ("/api/", "/fhir/")


def _bearer_token(request: HttpRequest) -> str:
    scheme, _sep, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


class TwoFactorMiddleware:
    """Send a session that has passed the password but not the second factor to the
    verification page (or to enrolment when its organisation demands a device). API and FHIR
    calls get 403 JSON instead; a valid bearer token is not a session and passes."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if match is not None and match.view_name in OPEN_VIEWS:
            return None
        if settings.STATIC_URL and request.path_info.startswith(settings.STATIC_URL):
            return None
        step = pending_step(request)
        if step is Step.NONE:
            return None

        if request.path_info.startswith(API_PREFIXES):
            token = _bearer_token(request)
            if token and ApiToken.objects.authenticate(token) is not None:
                return None  # the API authenticates the token itself
            return JsonResponse(
                {"detail": _("Two-factor verification is required for this session.")},
                status=403,
            )

        name = "accounts:two_factor_verify" if step is Step.VERIFY else "accounts:two_factor_enrol"
        # Come back here afterwards; a form post cannot be replayed, so go home instead.
        back = request.get_full_path() if request.method == "GET" else ""
        url = reverse(name) + (f"?{urlencode({'next': back})}" if back else "")
        if getattr(request, "htmx", False):
            return HttpResponseClientRedirect(url)
        return HttpResponseRedirect(url)
