"""The citizen (borger) and the contacts registered with them."""

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from enplan.core.cpr import format_cpr, validate_cpr
from enplan.core.models import CitizenOwnedModel, PublicIdModel, origin_field
from enplan.core.scope import visible_citizen_ids


class Language(models.TextChoices):
    DA = "da", _("Danish")
    EN = "en", _("English")
    AR = "ar", _("Arabic")
    FA = "fa", _("Farsi")
    PRS = "prs", _("Dari")
    PS = "ps", _("Pashto")
    KU = "ku", _("Kurdish")
    SO = "so", _("Somali")
    TI = "ti", _("Tigrinya")
    TR = "tr", _("Turkish")
    UR = "ur", _("Urdu")
    UK = "uk", _("Ukrainian")
    PL = "pl", _("Polish")
    OTHER = "other", _("Other")


municipality_validator = RegexValidator(r"^\d{3,4}$", _("A municipality code is 3 or 4 digits."))


class CitizenQuerySet(models.QuerySet):
    def visible_to(self, user) -> "CitizenQuerySet":
        return self.filter(id__in=visible_citizen_ids(user))


class Citizen(PublicIdModel):
    cpr = models.CharField(_("CPR number"), max_length=10, unique=True, validators=[validate_cpr])
    birth_date = models.DateField(_("date of birth"), editable=False)
    given_name = models.CharField(_("given name"), max_length=100)
    family_name = models.CharField(_("family name"), max_length=100)
    municipality_code = models.CharField(
        _("municipality code"), max_length=4, validators=[municipality_validator], db_index=True
    )
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    preferred_language = models.CharField(
        _("preferred language"), max_length=10, choices=Language, default=Language.DA
    )
    needs_interpreter = models.BooleanField(_("needs an interpreter"), default=False)
    interpreter_language = models.CharField(
        _("interpreter language"), max_length=10, choices=Language, blank=True
    )
    interpreter_dialect = models.CharField(_("dialect"), max_length=100, blank=True)
    communication_preferences = models.TextField(
        _("communication preferences"),
        max_length=1000,
        blank=True,
        help_text=_("For example: short messages, one topic at a time; call before noon."),
    )

    objects = CitizenQuerySet.as_manager()

    class Meta:
        ordering = ["family_name", "given_name"]
        verbose_name = _("citizen")
        verbose_name_plural = _("citizens")

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @property
    def cpr_display(self) -> str:
        return format_cpr(self.cpr)


class IdentifierSystem(models.TextChoices):
    """Person identifiers other than the CPR number that messages may name a citizen by."""

    REPLACEMENT_CPR = "replacement", _("Replacement CPR number (erstatningspersonnummer)")
    PREVIOUS_CPR = "previous_cpr", _("Previous CPR number")


class CitizenIdentifier(CitizenOwnedModel):
    """Another identifier the citizen is known by, e.g. a replacement CPR number issued by a
    region or a CPR number that has since been corrected. Messages that name the citizen by
    it are attached to the citizen."""

    citizen = models.ForeignKey(Citizen, on_delete=models.CASCADE, related_name="identifiers")
    system = models.CharField(_("kind"), max_length=20, choices=IdentifierSystem)
    issuer = models.CharField(
        _("issuer (OID)"), max_length=100, blank=True, help_text=_("For example urn:oid:…")
    )
    value = models.CharField(_("identifier"), max_length=20)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["issuer", "value"], name="citizen_identifier_unique")
        ]

    def __str__(self) -> str:
        return f"{self.get_system_display()}: {self.value}"


class ContactKind(models.TextChoices):
    MEETING = "meeting", _("Meeting")
    PHONE = "phone", _("Phone call")
    MESSAGE = "message", _("Message")
    LETTER = "letter", _("Letter")
    HOME_VISIT = "home_visit", _("Home visit")


class Contact(CitizenOwnedModel):
    """A registered contact with the citizen (the caseload's 'last contact')."""

    citizen = models.ForeignKey(Citizen, on_delete=models.CASCADE, related_name="contacts")
    at = models.DateTimeField(_("when"))
    kind = models.CharField(_("kind"), max_length=20, choices=ContactKind)
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    origin = origin_field()

    category = "employment"

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["citizen", "-at"])]
