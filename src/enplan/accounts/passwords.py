"""Password resets started by an administrator.

An administrator never sets another person's password (that would let them log in as a
caseworker and read the case). Instead they send the person a one-time link by e-mail; the
person chooses the password. Each link sent is audited (who sent it to whom, when), as is each
password set through a link.

An administrator could still redirect the link by first changing the person's e-mail address
to their own. So a change of address made in the administration notifies the old address, and
no link is sent to a changed address until `ENPLAN_RESET_AFTER_EMAIL_CHANGE_HOURS` have passed
(24 by default), which gives the person time to react.
"""

import datetime

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from enplan.audit.models import Action
from enplan.audit.services import record

from .models import User


def email_cooloff() -> datetime.timedelta:
    return datetime.timedelta(
        hours=int(getattr(settings, "ENPLAN_RESET_AFTER_EMAIL_CHANGE_HOURS", 24))
    )


def reset_link(user: User, base_url: str) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    path = reverse("accounts:password_reset_confirm", args=[uid, token])
    return base_url.rstrip("/") + path


def send_password_reset(actor: User, user: User, base_url: str) -> None:
    """E-mail `user` a link to choose a new password; refuse with a reason a person can act on."""
    if not user.email:
        raise ValidationError(
            _("%(user)s has no e-mail address. Add one, then send the link.")
            % {"user": user.get_username()}
        )
    if not user.is_active:
        raise ValidationError(
            _("%(user)s is not active. Activate the user first.") % {"user": user.get_username()}
        )
    if user.email_changed_at and timezone.now() - user.email_changed_at < email_cooloff():
        ready = timezone.localtime(user.email_changed_at + email_cooloff())
        raise ValidationError(
            _(
                "The e-mail address of %(user)s was changed recently. For the person's "
                "safety a link can be sent from %(when)s."
            )
            % {"user": user.get_username(), "when": ready.strftime("%d.%m.%Y %H:%M")}
        )
    context = {"user": user, "link": reset_link(user, base_url), "sender": actor}
    send_mail(
        render_to_string("accounts/email/password_reset_subject.txt", context).strip(),
        render_to_string("accounts/email/password_reset_body.txt", context),
        None,
        [user.email],
    )
    record(
        actor,
        None,
        Action.UPDATE,
        ("user", str(user.pk)),
        event="password_reset_link_sent",
        username=user.get_username(),
    )


def email_changed(actor: User, user: User, old_email: str) -> None:
    """Note an address change made by an administrator: tell the old address, audit it."""
    user.email_changed_at = timezone.now()
    user.save(update_fields=["email_changed_at"])
    if old_email:
        context = {"user": user, "sender": actor}
        send_mail(
            render_to_string("accounts/email/email_changed_subject.txt", context).strip(),
            render_to_string("accounts/email/email_changed_body.txt", context),
            None,
            [old_email],
        )
    record(
        actor,
        None,
        Action.UPDATE,
        ("user", str(user.pk)),
        event="email_changed",
        username=user.get_username(),
    )
