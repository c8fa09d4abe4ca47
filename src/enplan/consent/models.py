"""Samtykke: the citizen's consent to share a kind of information with a recipient."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from enplan.core.models import CitizenOwnedModel, CitizenOwnedQuerySet
from enplan.organisations.models import Sector


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
            ),
        ]

    def __str__(self) -> str:
        return f"{self.recipient_display}: {', '.join(self.category_labels)}"

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
        if bool(self.recipient_organisation_id) == bool(self.recipient_sector):
            raise ValidationError(_("Choose either one organisation or one sector as recipient."))
        if self.valid_to and self.valid_from and self.valid_to < self.valid_from:
            raise ValidationError({"valid_to": _("The end date cannot be before the start date.")})
