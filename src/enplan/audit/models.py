"""The append-only audit log of every access to citizens' personal data.

Rows are written in the same transaction as the access, with no global lock. Tamper evidence
comes from sealing (see `sealing.py`): rows are chained in id order into sealed segments
after the fact, so a changed, removed or inserted sealed row breaks the chain.
"""

from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Action(models.TextChoices):
    READ = "read", _("Read")
    LIST = "list", _("Seen in a list")
    CREATE = "create", _("Created")
    UPDATE = "update", _("Changed")
    DELETE = "delete", _("Deleted")
    EXPORT = "export", _("Exported")
    REFUSED = "refused", _("Refused")


# What one audit row records, in column order: written by `services.record`, chained by
# `sealing` (with the id before and the context after).
RECORD_FIELDS = (
    "at",
    "user_id",
    "actor",
    "actor_name",
    "organisation",
    "role",
    "citizen_uuid",
    "municipality_code",
    "object_type",
    "object_id",
    "action",
)


class AuditEntry(models.Model):
    id = models.BigAutoField(primary_key=True)
    at = models.DateTimeField(default=timezone.now)
    # Who, as they were at the time (names survive later changes and deletions).
    user_id = models.BigIntegerField(null=True)
    actor = models.CharField(max_length=150)
    actor_name = models.CharField(max_length=300, blank=True)
    organisation = models.CharField(max_length=200, blank=True)
    role = models.CharField(max_length=100, blank=True)
    # Whose data. No foreign key: the log outlives the citizen's deletion at retention.
    citizen_uuid = models.UUIDField(null=True)
    municipality_code = models.CharField(max_length=4, blank=True)
    object_type = models.CharField(max_length=40)
    object_id = models.CharField(max_length=64, blank=True)
    action = models.CharField(max_length=20, choices=Action)
    context = models.JSONField(default=dict, blank=True)
    seal = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["citizen_uuid", "at"]),
            models.Index(fields=["at"]),
        ]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.action} {self.object_type}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionDenied("The audit log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionDenied("The audit log is append-only.")


class AuditSeal(models.Model):
    """One sealed segment: entries first_id..last_id chained into `last_hash`."""

    first_id = models.BigIntegerField()
    last_id = models.BigIntegerField(unique=True)
    count = models.PositiveIntegerField()
    last_hash = models.CharField(max_length=64)
    sealed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["last_id"]

    def __str__(self) -> str:
        return f"seal {self.first_id}–{self.last_id}"
