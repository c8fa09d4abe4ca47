"""Abstract bases every bounded context builds on, and the record of reminders sent."""

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from enplan.core.scope import visible_citizen_ids


class PublicIdModel(models.Model):
    """Bigint primary key inside, random UUID outside: nothing reachable by guessing ids."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


class CitizenOwnedQuerySet(models.QuerySet):
    """Queryset for data that belongs to one citizen; scoped through the citizen's access rule."""

    def visible_to(self, user) -> "CitizenOwnedQuerySet":
        return self.filter(citizen_id__in=visible_citizen_ids(user))


class CitizenOwnedModel(PublicIdModel):
    """A row of a citizen's personal data.

    Carries the citizen's municipality code: the partition key for PostgreSQL and the
    distribution key for a sharded deployment, so every citizen-owned row can live beside
    its citizen.
    """

    citizen = models.ForeignKey("citizens.Citizen", on_delete=models.CASCADE, related_name="+")
    municipality_code = models.CharField(max_length=4, editable=False, db_index=True)

    objects = CitizenOwnedQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self.municipality_code:
            self.municipality_code = self.citizen.municipality_code
        super().save(*args, **kwargs)


def organisation_id_of(user) -> int | None:
    """The organisation a user acts for (None for users without a professional profile)."""
    professional = getattr(user, "professional_or_none", None)
    return professional.organisation_id if professional else None


def origin_field() -> models.ForeignKey:
    """The organisation a piece of information comes from: what consent is checked against."""
    return models.ForeignKey(
        "organisations.Organisation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The organisation the information comes from (for consent).",
    )


class SentReminder(models.Model):
    """A reminder that went out, by key (e.g. "meetings.minutes-missing:<uuid>"): a job run
    again, or by a second worker, does not send it twice. No personal data in the key."""

    key = models.CharField(max_length=200, unique=True)
    sent_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.key
