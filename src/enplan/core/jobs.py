"""The registry of periodic background jobs (ground floor: every app may register, the worker
in `enplan.ops` runs them). One line in an app's `jobs.py` (discovered by the worker) or in its
`AppConfig.ready()`:

    periodic("meetings.reminders", every=3600, description="…")(send_reminders)

A job is a plain function without arguments that returns a small JSON-able summary (counts,
never personal data). It must be safe to run again: a worker killed mid-job has the job re-run
by another worker. The interval is a default; ENPLAN_JOB_SCHEDULES overrides it
(`name=seconds,…`; 0 switches a job off).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    func: Callable[[], object]
    every: int  # seconds, the default; see interval()
    description: str = ""

    def interval(self) -> int:
        """Seconds between runs from settings, else the registered default; 0 means off."""
        configured = getattr(settings, "ENPLAN_JOB_SCHEDULES", {}) or {}
        return int(configured.get(self.name, self.every))


_registry: dict[str, PeriodicJob] = {}


def periodic(
    name: str, *, every: int, description: str = ""
) -> Callable[[Callable[[], object]], Callable[[], object]]:
    """Register `func` to run every `every` seconds under `name` (unique, dotted: app.job)."""

    def register(func: Callable[[], object]) -> Callable[[], object]:
        existing = _registry.get(name)
        if existing is not None and existing.func is not func:
            raise ValueError(f"A periodic job named {name!r} is already registered.")
        _registry[name] = PeriodicJob(name, func, int(every), description)
        return func

    return register


def registered() -> dict[str, PeriodicJob]:
    return dict(_registry)


def get(name: str) -> PeriodicJob:
    try:
        return _registry[name]
    except KeyError:
        raise LookupError(f"No periodic job named {name!r} is registered.") from None
