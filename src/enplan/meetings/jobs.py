"""The meetings' periodic job (discovered by the worker in `enplan.ops`)."""

from __future__ import annotations

from enplan.core.jobs import periodic


@periodic(
    "meetings.invitations",
    every=60,
    description="Send calendar e-mails that could not be sent when the meeting was saved.",
)
def send_waiting_invitations() -> dict:
    # A calendar client keeps one event per UID and the newest SEQUENCE, so a row sent twice
    # (the request's after-commit send racing this job) shows the same meeting once.
    from .invitations import deliver

    sent, failed = deliver()
    return {"sent": sent, "failed": failed}


@periodic(
    "meetings.reminders",
    every=3600,
    description="E-mail the convener once when a meeting's minutes are overdue.",
)
def remind() -> dict:
    from .services import remind_missing_minutes

    return {"minutes_missing_reminded": remind_missing_minutes()}
