"""Log-in, the TOTP second factor (verify, enrol, remove) and the OpenID Connect refusal page."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from enplan.audit.models import Action
from enplan.audit.services import record

from .forms import CodeForm
from .oidc import REFUSAL_SESSION_KEY, Refusal, oidc_enabled
from .start import start_url
from .two_factor import (
    AUTH_METHOD_OIDC,
    AUTH_METHOD_PASSWORD,
    AUTH_METHOD_SESSION_KEY,
    Step,
    base32_secret,
    complete_verification,
    confirm_device,
    confirmed_device,
    mark_logged_in,
    organisation_requires_two_factor,
    pending_device,
    pending_step,
    qr_svg,
    remove_devices,
    seconds_until_retry,
    verify_code,
)


def _next_url(request: HttpRequest) -> str:
    """The `next` target if it is on this site, else the start page."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return start_url(request.user)


def home(request: HttpRequest) -> HttpResponse:
    """The site's root: each role's start page (see accounts.start)."""
    return redirect(start_url(request.user))


@login_required
def role_start(request: HttpRequest) -> HttpResponse:
    """The former start page of managers and politicians: their start page is now the
    insights overview (accounts.start), kept here for old bookmarks."""
    return redirect(start_url(request.user))


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """The link an administrator sent: the person chooses their own password."""

    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")
    reset_url_token = "choose-password"  # noqa: S105 - a URL segment, not a secret

    def form_valid(self, form) -> HttpResponse:
        response = super().form_valid(form)
        record(
            form.user,
            None,
            Action.UPDATE,
            ("user", str(form.user.pk)),
            event="password_set_by_link",
        )
        return response


def password_reset_complete(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/password_reset_complete.html")


def _with_next(url_name: str, next_url: str) -> str:
    return f"{reverse(url_name)}?{urlencode({'next': next_url})}"


def _wait_message(seconds: int) -> str:
    return ngettext(
        "Too many wrong codes. Try again in %(n)d second.",
        "Too many wrong codes. Try again in %(n)d seconds.",
        seconds,
    ) % {"n": seconds}


def _check_code(form: CodeForm, device) -> bool:
    """Validate the form's code against the device, adding the right error if it fails."""
    if not form.is_valid():
        return False
    wait = seconds_until_retry(device)
    if wait:
        form.add_error("code", _wait_message(wait))
        return False
    if verify_code(device, form.cleaned_data["code"]):
        return True
    wait = seconds_until_retry(device)
    form.add_error(
        "code",
        _("That code is not right. Enter the newest code the app shows.")
        + (" " + _wait_message(wait) if wait else ""),
    )
    return False


class LoginView(auth_views.LoginView):
    """Username and password; then, if the user has or needs a second factor, on to it."""

    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def get_default_redirect_url(self) -> str:
        return start_url(self.request.user)  # each role's own start page

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if oidc_enabled():
            target = self.get_redirect_url()
            context["oidc_url"] = reverse("accounts:oidc_start") + (
                f"?{urlencode({'next': target})}" if target else ""
            )
        return context

    def form_valid(self, form) -> HttpResponse:
        response = super().form_valid(form)
        mark_logged_in(self.request, AUTH_METHOD_PASSWORD)
        step = pending_step(self.request)
        if step is Step.VERIFY:
            return HttpResponseRedirect(
                _with_next("accounts:two_factor_verify", self.get_success_url())
            )
        if step is Step.ENROL:
            return HttpResponseRedirect(
                _with_next("accounts:two_factor_enrol", self.get_success_url())
            )
        return response

    def form_invalid(self, form) -> HttpResponse:
        response = super().form_invalid(form)
        response.status_code = 422  # as every other invalid form in enplan
        return response


@login_required
def verify(request: HttpRequest) -> HttpResponse:
    """Second step of a password log-in: a code from the user's authenticator app."""
    next_url = _next_url(request)
    step = pending_step(request)
    if step is Step.ENROL:
        return redirect(_with_next("accounts:two_factor_enrol", next_url))
    if step is Step.NONE:
        return redirect(next_url)
    device = confirmed_device(request.user)
    form = CodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and _check_code(form, device):
        complete_verification(request, device)
        return redirect(next_url)
    return render(
        request,
        "accounts/verify.html",
        {"form": form, "next": next_url},
        status=422 if form.is_bound else 200,
    )


@login_required
def enrol(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator app: scan the QR code (or type the secret), confirm a code."""
    next_url = _next_url(request)
    if pending_step(request) is Step.VERIFY:
        # Replacing a device needs the current one first.
        return redirect(_with_next("accounts:two_factor_verify", request.get_full_path()))
    device = pending_device(request.user)
    form = CodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and _check_code(form, device):
        confirm_device(request, device)
        messages.success(request, _("Two-factor log-in is on."))
        asked_for = request.POST.get("next") or request.GET.get("next")
        return redirect(next_url if asked_for else reverse("accounts:security"))
    context = {
        "form": form,
        "next": request.POST.get("next") or request.GET.get("next") or "",
        "qr": qr_svg(device, _("QR code for your authenticator app")),
        "secret": base32_secret(device),
        "required": organisation_requires_two_factor(request.user),
        "replacing": confirmed_device(request.user) is not None,
    }
    return render(request, "accounts/enrol.html", context, status=422 if form.is_bound else 200)


def _security_context(request: HttpRequest, form: CodeForm | None = None) -> dict:
    return {
        "device": confirmed_device(request.user),
        "required": organisation_requires_two_factor(request.user),
        "via_oidc": request.session.get(AUTH_METHOD_SESSION_KEY) == AUTH_METHOD_OIDC,
        "form": form or CodeForm(),
    }


@login_required
def security(request: HttpRequest) -> HttpResponse:
    """The user's log-in settings: whether two-factor log-in is on; set up, replace, remove."""
    return render(request, "accounts/security.html", _security_context(request))


@login_required
@require_POST
def remove(request: HttpRequest) -> HttpResponse:
    """Turn two-factor log-in off, confirmed with a current code; not where it is mandatory."""
    device = confirmed_device(request.user)
    if device is None:
        return redirect("accounts:security")
    if organisation_requires_two_factor(request.user):
        messages.error(request, _("Your organisation requires two-factor log-in."))
        return redirect("accounts:security")
    form = CodeForm(request.POST)
    if _check_code(form, device):
        remove_devices(request, request.user)
        messages.success(request, _("Two-factor log-in is off."))
        return redirect("accounts:security")
    return render(request, "accounts/security.html", _security_context(request, form), status=422)


def oidc_refused(request: HttpRequest) -> HttpResponse:
    """Where a MitID Erhverv log-in that did not succeed ends: say why, and offer a way on."""
    reason = request.session.pop(REFUSAL_SESSION_KEY, Refusal.FAILED)
    return render(
        request,
        "accounts/oidc_refused.html",
        {"unknown_identity": reason == Refusal.UNKNOWN_IDENTITY},
        status=403,
    )
