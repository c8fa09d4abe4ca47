"""Organisations (by sector, with SOR/EAN identifiers) and the professionals who work there."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from enplan.core.models import PublicIdModel
from enplan.core.validators import ean_validator as ascii_ean
from enplan.core.validators import municipality_code_validator
from enplan.core.validators import sor_code_validator as ascii_sor


class Sector(models.TextChoices):
    JOBCENTER = "jobcenter", _("Jobcenter")
    PSYCHIATRY = "lokalpsykiatri", _("Lokalpsykiatri")
    GENERAL_PRACTICE = "almen_praksis", _("Almen praksis (GP)")
    TRAUMA_CLINIC = "traumeklinik", _("Traumeklinik")
    SUBSTANCE_ABUSE = "rusmiddelcenter", _("Rusmiddelcenter")
    SOCIAL_SERVICES = "socialforvaltning", _("Social services")
    EDUCATION = "uddannelse", _("Education / youth guidance")
    OTHER = "other", _("Other")


sor_validator = RegexValidator(r"^\d{6,18}$", _("A SOR code is 6 to 18 digits."))
ean_validator = RegexValidator(r"^\d{13}$", _("An EAN location number is 13 digits."))


class Organisation(PublicIdModel):
    name = models.CharField(_("name"), max_length=200)
    sector = models.CharField(_("sector"), max_length=30, choices=Sector)
    sor_code = models.CharField(
        _("SOR code"), max_length=18, blank=True, validators=[sor_validator], db_index=True
    )
    ean = models.CharField(
        _("EAN location number"), max_length=13, blank=True, validators=[ean_validator]
    )
    municipality_code = models.CharField(_("municipality code"), max_length=4, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    phone_hours = models.CharField(_("phone hours"), max_length=200, blank=True)
    email = models.EmailField(_("secure e-mail"), blank=True)
    uses_enplan = models.BooleanField(
        _("uses enplan"),
        default=True,
        help_text=_(
            "Staff work in enplan: messages arrive in their inbox. Otherwise messages go out "
            "as MedCom CareCommunication."
        ),
    )
    message_endpoint = models.CharField(
        _("message endpoint"),
        max_length=500,
        blank=True,
        help_text=_(
            "Where CareCommunication to this organisation is delivered: an https:// URL or "
            "a drop folder. Empty: the installation's default transport."
        ),
    )
    require_two_factor = models.BooleanField(
        _("require two-factor log-in"),
        default=False,
        help_text=_("Staff must confirm every password log-in with a code from an app."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        # The field validators above are kept for the migration history; `\d` in them also
        # accepts Unicode digits, so the ASCII-only rule of core.validators applies here.
        errors = {}
        for name, validator in (
            ("sor_code", ascii_sor),
            ("ean", ascii_ean),
            ("municipality_code", municipality_code_validator),
        ):
            value = getattr(self, name)
            if value:
                try:
                    validator(value)
                except ValidationError as e:
                    errors[name] = e.messages
        if errors:
            raise ValidationError(errors)


class Profession(models.TextChoices):
    CASEWORKER = "caseworker", _("Caseworker (sagsbehandler)")
    COMPANY_CONSULTANT = "virksomhedskonsulent", _("Virksomhedskonsulent")
    IPS_CONSULTANT = "ips_konsulent", _("IPS consultant")
    MENTOR = "mentor", _("Mentor")
    SUPPORT_CONTACT = "stottekontaktperson", _("Støttekontaktperson")
    YOUTH_GUIDANCE = "uu_vejleder", _("UU-vejleder")
    HEALTH_ADVISOR = "sundhedsfaglig_raadgiver", _("Sundhedsfaglig rådgiver")
    GP = "gp", _("General practitioner")
    PSYCHIATRIST = "psychiatrist", _("Psychiatrist")
    PSYCHOLOGIST = "psychologist", _("Psychologist")
    NURSE = "nurse", _("Nurse")
    SOCIAL_WORKER = "social_worker", _("Social worker")
    CASEMANAGER = "casemanager", _("Casemanager (rusmiddel)")
    OTHER = "other", _("Other")


class Professional(PublicIdModel):
    """A person working in an organisation. May exist without a log-in (e.g. a GP who does
    not use enplan yet) so that the network can still show how to reach them."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="professional",
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="professionals"
    )
    name = models.CharField(_("name"), max_length=200)
    profession = models.CharField(_("profession"), max_length=40, choices=Profession)
    phone = models.CharField(_("direct phone"), max_length=30, blank=True)
    phone_hours = models.CharField(_("phone hours"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("professional")
        verbose_name_plural = _("professionals")

    def __str__(self) -> str:
        return f"{self.name} ({self.organisation})"
