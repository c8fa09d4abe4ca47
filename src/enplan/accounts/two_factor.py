"""The second factor: which step a logged-in session still owes, and TOTP devices.

A password log-in makes the session *authenticated*; a user with a confirmed TOTP device (or
whose organisation demands one) must still prove the device before the session counts.
An OpenID Connect log-in (MitID Erhverv) is two-factor already and counts as verified.
"""

from base64 import b32encode
from enum import StrEnum

import segno
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import User

# How the session was authenticated: "password" or "oidc" (set at log-in).
AUTH_METHOD_SESSION_KEY = "enplan_auth_method"
AUTH_METHOD_PASSWORD = "password"  # noqa: S105 (a label, not a secret)
AUTH_METHOD_OIDC = "oidc"


class Step(StrEnum):
    """What a logged-in session must do before it may use enplan."""

    NONE = "none"
    VERIFY = "verify"
    ENROL = "enrol"


def organisation_requires_two_factor(user: User) -> bool:
    # The organisation comes with the user's professional profile (no query of its own).
    professional = user.professional_or_none
    return bool(professional and professional.organisation.require_two_factor)


def confirmed_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("-pk").first()


def is_strongly_authenticated(request: HttpRequest) -> bool:
    """Verified by a TOTP code in this session, or logged in through OpenID Connect."""
    if request.session.get(AUTH_METHOD_SESSION_KEY) == AUTH_METHOD_OIDC:
        return True
    is_verified = getattr(request.user, "is_verified", None)
    return bool(is_verified and is_verified())


def pending_step(request: HttpRequest) -> Step:
    user = request.user
    if not user.is_authenticated or is_strongly_authenticated(request):
        return Step.NONE
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        return Step.VERIFY
    if organisation_requires_two_factor(user):
        return Step.ENROL
    return Step.NONE


def mark_logged_in(request: HttpRequest, method: str) -> None:
    request.session[AUTH_METHOD_SESSION_KEY] = method


def pending_device(user: User) -> TOTPDevice:
    """The device being enrolled; kept across page loads so a scanned QR code stays valid."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    return device or TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)


def base32_secret(device: TOTPDevice) -> str:
    """The secret as authenticator apps accept it for manual entry, in groups of four."""
    raw = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def qr_svg(device: TOTPDevice, title: str) -> str:
    """The otpauth:// URL as an inline SVG QR code (no image file, no external service)."""
    return segno.make(device.config_url, error="m").svg_inline(
        scale=5, border=2, light="#fff", title=title, svgclass="qr", lineclass=None
    )


def verify_code(device: TOTPDevice, code: str) -> bool:
    """Check a code against one device, inside a transaction so django-otp's throttling and
    replay protection (a code is accepted only once) hold under concurrent requests."""
    with transaction.atomic():
        locked = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        ok = locked.verify_token(code)
    device.refresh_from_db()
    return ok


def seconds_until_retry(device: TOTPDevice) -> int:
    """Seconds a throttled device still refuses codes (0 when it accepts them)."""
    allowed, info = device.verify_is_allowed()
    if allowed or not info or not info.get("locked_until"):
        return 0
    return max(1, int((info["locked_until"] - timezone.now()).total_seconds()) + 1)


def confirm_device(request: HttpRequest, device: TOTPDevice) -> None:
    """Make the enrolled device the user's only one and count this session as verified."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
    complete_verification(request, device)


def complete_verification(request: HttpRequest, device: TOTPDevice) -> None:
    otp_login(request, device)
    # A new privilege level gets a new session key (no fixation across the second step).
    request.session.cycle_key()


def remove_devices(request: HttpRequest, user: User) -> None:
    TOTPDevice.objects.filter(user=user).delete()
    request.session.pop(DEVICE_ID_SESSION_KEY, None)
