"""The certificates' periodic job (discovered by the worker in `enplan.ops`)."""

from __future__ import annotations

from enplan.core.jobs import periodic


@periodic(
    "certificates.reminders",
    every=3600,
    description="E-mail the caseworker once when a certificate request is past its date.",
)
def remind() -> dict:
    from .services import remind_overdue

    return {"overdue_reminded": remind_overdue()}
