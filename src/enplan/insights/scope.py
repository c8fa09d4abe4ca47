"""Whose figures a user sees: a manager her own organisation, a politician his municipality.
Everyone else sees no aggregate (professionals may still answer the survey)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from enplan.accounts.models import Role
from enplan.citizens.models import Citizen
from enplan.network.models import NetworkMembership

AGGREGATE_ROLES = (Role.MANAGER, Role.POLITICIAN)


class NoMandate(Exception):
    """A manager or politician whom no administrator has given an organisation or
    municipality yet."""


@dataclass(frozen=True)
class Period:
    start: datetime.date
    end: datetime.date  # inclusive

    @property
    def start_at(self) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime.combine(self.start, datetime.time()))

    @property
    def end_at(self) -> datetime.datetime:
        """The first moment after the period."""
        day = self.end + datetime.timedelta(days=1)
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @classmethod
    def default(cls, today: datetime.date | None = None) -> Period:
        today = today or timezone.localdate()
        return cls(today - datetime.timedelta(days=364), today)


@dataclass(frozen=True)
class Scope:
    role: str
    organisation_id: int | None
    municipality_code: str
    label: str

    @property
    def is_manager(self) -> bool:
        return self.role == Role.MANAGER

    def citizen_ids(self, period: Period):
        """The citizens the figures are about, as a subquery (never evaluated to a list):
        for a manager those her organisation was in the network of during the period, for a
        politician those living in the municipality."""
        if self.organisation_id is not None:
            return (
                NetworkMembership.objects.filter(
                    organisation_id=self.organisation_id, started_at__lt=period.end_at
                )
                .filter(Q(ended_at__isnull=True) | Q(ended_at__gte=period.start_at))
                .values("citizen_id")
            )
        return Citizen.objects.filter(municipality_code=self.municipality_code).values("id")


def require_aggregate_role(user) -> None:
    if getattr(user, "role", None) not in AGGREGATE_ROLES:
        raise PermissionDenied(
            _("Figures across citizens are for managers and politicians of the organisation.")
        )


def scope_for(user) -> Scope:
    """The scope of a manager or politician (PermissionDenied for anyone else, NoMandate
    when no organisation or municipality has been set)."""
    require_aggregate_role(user)
    from .models import Mandate

    mandate = Mandate.objects.select_related("organisation").filter(user=user).first()
    if mandate is None:
        raise NoMandate
    if user.role == Role.MANAGER:
        if mandate.organisation is None:
            raise NoMandate
        return Scope(user.role, mandate.organisation_id, "", mandate.organisation.name)
    code = mandate.municipality_code or (
        mandate.organisation.municipality_code if mandate.organisation else ""
    )
    if not code:
        raise NoMandate
    return Scope(user.role, None, code, _("Municipality %(code)s") % {"code": code})
