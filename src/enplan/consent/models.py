"""Samtykke, as a Danish consent reads: the citizen allows information FROM an organisation
(or every organisation of a sector) TO an organisation (or sector), for categories of
information, a purpose and a period. "From any organisation" exists only for consents
migrated from before the source was recorded; they are flagged for review."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from enplan.core.models import CitizenOwnedModel, CitizenOwnedQuerySet
from enplan.organisations.models import Sector

MIN_DATE = datetime.date(2000, 1, 1)
MAX_DATE = datetime.date(2100, 12, 31)


class Category(models.TextChoices):
    PLAN = "plan", _("Plan and goals")
    HEALTH = "health", _("Health and treatment")
    SUBSTANCE = "substance", _("Substance use")
    EMPLOYMENT = "employment", _("Employment and benefits")
    MINUTES = "minutes", _("Meeting minutes")
    MESSAGES = "messages", _("Messages")


class GivenHow(models.TextChoices):
    WRITTEN = "written", _("Written")
    VERBAL = "verbal", _("Verbal")
    DIGITAL = "digital", _("Digital")


# What a scanned or signed consent document may be, by its leading bytes (checked on upload,
# never trusting the browser's declared type).
DOCUMENT_TYPES: dict[str, tuple[bytes, ...]] = {
    "application/pdf": (b"%PDF",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
}


def sniff_document(content: bytes) -> str:
    return next((t for t, magics in DOCUMENT_TYPES.items() if content.startswith(magics)), "")


class ConsentQuerySet(CitizenOwnedQuerySet):
    def in_force(self, on=None) -> "ConsentQuerySet":
        today = on or timezone.localdate()
        return self.filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=today),
            valid_from__lte=today,
            withdrawn_at__isnull=True,
        )


class Consent(CitizenOwnedModel):
    citizen = models.ForeignKey(
        "citizens.Citizen", on_delete=models.CASCADE, related_name="consents"
    )
    source_organisation = models.ForeignKey(
        "organisations.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("from organisation"),
    )
    source_sector = models.CharField(
        _("…or from every organisation in a sector"), max_length=30, choices=Sector, blank=True
    )
    # Only migrated consents (recorded before the source was asked for) read "from any".
    source_any = models.BooleanField(_("from any organisation"), default=False, editable=False)
    needs_review = models.BooleanField(_("to be reviewed"), default=False)
    recipient_organisation = models.ForeignKey(
        "organisations.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recipient organisation"),
    )
    recipient_sector = models.CharField(
        _("…or every organisation in a sector"), max_length=30, choices=Sector, blank=True
    )
    categories = models.JSONField(_("information"), default=list)
    purpose = models.TextField(_("purpose"), max_length=1000)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    given_how = models.CharField(_("given"), max_length=10, choices=GivenHow)
    document = models.BinaryField(_("signed or scanned document"), null=True, blank=True)
    document_type = models.CharField(max_length=40, blank=True, editable=False)
    document_name = models.CharField(max_length=200, blank=True, editable=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    withdrawal_note = models.CharField(_("note on withdrawal"), max_length=300, blank=True)

    objects = ConsentQuerySet.as_manager()

    class Meta:
        ordering = ["-valid_from", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(recipient_organisation__isnull=False) & Q(recipient_sector=""))
                | (Q(recipient_organisation__isnull=True) & ~Q(recipient_sector="")),
                name="consent_has_exactly_one_recipient",
                violation_error_message=_(
                    "Choose either one organisation or one sector as recipient."
                ),
            ),
            models.CheckConstraint(
                condition=(
                    Q(source_organisation__isnull=False, source_sector="", source_any=False)
                    | Q(source_organisation__isnull=True, source_any=False) & ~Q(source_sector="")
                    | Q(source_organisation__isnull=True, source_sector="", source_any=True)
                ),
                name="consent_has_exactly_one_source",
                violation_error_message=_(
                    "Choose either one organisation or one sector the information comes from."
                ),
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.source_display} → {self.recipient_display}: {', '.join(self.category_labels)}"
        )

    @property
    def source_display(self) -> str:
        if self.source_organisation_id:
            return str(self.source_organisation)
        if self.source_sector:
            return str(Sector(self.source_sector).label)
        return str(_("any organisation"))

    @property
    def recipient_display(self) -> str:
        if self.recipient_organisation_id:
            return str(self.recipient_organisation)
        return str(Sector(self.recipient_sector).label)

    @property
    def category_labels(self) -> list[str]:
        return [str(Category(c).label) for c in self.categories if c in Category.values]

    @property
    def state(self) -> str:
        today = timezone.localdate()
        if self.withdrawn_at:
            return "withdrawn"
        if self.valid_from > today:
            return "future"
        if self.valid_to and self.valid_to < today:
            return "expired"
        return "active"

    def clean(self) -> None:
        errors: dict[str, list] = {}
        if bool(self.recipient_organisation_id) == bool(self.recipient_sector):
            errors.setdefault("recipient_organisation", []).append(
                _("Choose either one organisation or one sector as recipient.")
            )
        if not self.source_any and bool(self.source_organisation_id) == bool(self.source_sector):
            errors.setdefault("source_organisation", []).append(
                _("Choose either one organisation or one sector the information comes from.")
            )
        if (
            self.source_organisation_id
            and self.source_organisation_id == self.recipient_organisation_id
        ):
            errors.setdefault("recipient_organisation", []).append(
                _(
                    "The recipient must be another organisation than the one the "
                    "information comes from."
                )
            )
        if self.valid_from and (self.valid_from < MIN_DATE or self.valid_from > MAX_DATE):
            errors.setdefault("valid_from", []).append(_("Enter a date between 2000 and 2100."))
        if self.valid_to and (self.valid_to < MIN_DATE or self.valid_to > MAX_DATE):
            errors.setdefault("valid_to", []).append(_("Enter a date between 2000 and 2100."))
        if self.valid_to and self.valid_from and self.valid_to < self.valid_from:
            errors.setdefault("valid_to", []).append(
                _("The end date cannot be before the start date.")
            )
        if errors:
            raise ValidationError(errors)
