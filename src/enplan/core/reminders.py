"""Reminders by e-mail, each sent once (the deadline checks of meetings, certificates … run
them from the worker). The text names what is due and links to it, never the citizen: e-mail
is not a secure channel."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction

from .models import SentReminder

log = logging.getLogger(__name__)


def link(path: str) -> str:
    """An absolute link for an e-mail (ENPLAN_BASE_URL), else the path."""
    return f"{settings.ENPLAN_BASE_URL.rstrip('/')}{path}"


def send_once(key: str, to: list[str], subject: str, body: str) -> bool:
    """Send unless a reminder with `key` went out before; True when sent now. A failed send
    is logged and rolls the record back, so the next run tries again (and the reminders after
    it in this run still go)."""
    to = sorted({address for address in to if address})
    if not to:
        return False
    try:
        with transaction.atomic():
            _row, created = SentReminder.objects.get_or_create(key=key)
            if not created:
                return False
            EmailMessage(subject, body, to=to).send()
    except OSError as exc:  # SMTP down or refusing: smtplib's errors are OSErrors
        log.warning("reminder %s not sent: %s", key, exc)
        return False
    return True
