"""The care network: who is involved with a citizen, from which organisation, in which role."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from enplan.core.models import CitizenOwnedModel, CitizenOwnedQuerySet


class NetworkRole(models.TextChoices):
    COORDINATOR = "coordinator", _("Koordinerende sagsbehandler")
    TOVHOLDER = "tovholder", _("Tovholder")
    CONTACT_PERSON = "contact_person", _("Contact person")
    CASEWORKER = "caseworker", _("Caseworker")
    MENTOR = "mentor", _("Mentor")
    SUPPORT_CONTACT = "stottekontaktperson", _("Støttekontaktperson")
    GP = "gp", _("GP (own doctor)")
    PSYCHIATRY_CONTACT = "psychiatry_contact", _("Psychiatry contact person")
    TREATMENT = "treatment", _("Treatment provider")
    CASEMANAGER = "casemanager", _("Casemanager")
    COMPANY_CONSULTANT = "virksomhedskonsulent", _("Virksomhedskonsulent")
    HEALTH_ADVISOR = "health_advisor", _("Sundhedsfaglig rådgiver")
    OTHER = "other", _("Other")


class MembershipQuerySet(CitizenOwnedQuerySet):
    def active(self) -> "MembershipQuerySet":
        return self.filter(ended_at__isnull=True)


class NetworkMembership(CitizenOwnedModel):
    """A professional (or, when no person is named, an organisation) in a citizen's network.

    Only active memberships of a professional with a log-in give access to the citizen.
    """

    citizen = models.ForeignKey(
        "citizens.Citizen", on_delete=models.CASCADE, related_name="memberships"
    )
    professional = models.ForeignKey(
        "organisations.Professional",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="memberships",
    )
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=30, choices=NetworkRole)
    note = models.CharField(_("note"), max_length=300, blank=True)
    started_at = models.DateTimeField(_("since"))
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["citizen"],
                condition=Q(role="coordinator", ended_at__isnull=True),
                name="one_active_coordinator_per_citizen",
            ),
            models.UniqueConstraint(
                fields=["citizen", "professional", "role"],
                condition=Q(ended_at__isnull=True),
                name="no_duplicate_active_membership",
            ),
        ]
        indexes = [models.Index(fields=["professional", "ended_at"])]

    def __str__(self) -> str:
        who = self.professional.name if self.professional else self.organisation.name
        return f"{who} – {self.get_role_display()}"

    @property
    def is_active(self) -> bool:
        return self.ended_at is None

    @property
    def phone(self) -> str:
        return (self.professional and self.professional.phone) or self.organisation.phone

    @property
    def phone_hours(self) -> str:
        return (
            self.professional and self.professional.phone_hours
        ) or self.organisation.phone_hours


class Handover(CitizenOwnedModel):
    """A change of coordinating caseworker, with the note the new one needs."""

    citizen = models.ForeignKey(
        "citizens.Citizen", on_delete=models.CASCADE, related_name="handovers"
    )
    from_professional = models.ForeignKey(
        "organisations.Professional", on_delete=models.PROTECT, null=True, related_name="+"
    )
    to_professional = models.ForeignKey(
        "organisations.Professional", on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(_("handover note"), max_length=4000)
    handed_over_at = models.DateTimeField()
    handed_over_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-handed_over_at"]
