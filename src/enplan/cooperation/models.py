"""Cooperation agreements (samarbejdsaftaler) between organisations: the parties and named
contact persons, who does what, what is shared on which legal basis, the agreed channel and
the service levels (000:2198–2231; 003:284–330). Agreements hold no citizen's data; compliance
is computed from the certificate and meeting data, as counts. The one citizen-owned row here is
`ActivityOffer`: a plan activity pointing at an offer in the catalogue."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from enplan.core.models import CitizenOwnedModel, PublicIdModel

TEXT_MAX = 5000


class Channel(models.TextChoices):
    CARECOMMUNICATION = (
        "carecommunication",
        _("MedCom CareCommunication (korrespondancemeddelelse)"),
    )
    ENPLAN = "enplan", _("Messages in enplan")
    PHONE = "phone", _("Phone at agreed times")
    MEETING = "meeting", _("Meetings")


class Agreement(PublicIdModel):
    title = models.CharField(_("title"), max_length=200)
    parties = models.ManyToManyField(
        "organisations.Organisation", related_name="+", verbose_name=_("parties")
    )
    responsibilities = models.TextField(_("who does what"), max_length=TEXT_MAX * 2)
    shared_categories = models.JSONField(_("information shared"), default=list)
    legal_basis = models.TextField(_("legal basis"), max_length=TEXT_MAX)
    channel = models.CharField(_("agreed channel"), max_length=20, choices=Channel)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    certificate_answer_days = models.PositiveSmallIntegerField(
        _("certificate answered within (days)"),
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
    )
    callback_working_days = models.PositiveSmallIntegerField(
        _("callback within (working days)"),
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
    )
    discharge_conference_working_days = models.PositiveSmallIntegerField(
        _("discharge conference within (working days)"),
        default=4,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
    )
    cooperation_meetings_per_year = models.PositiveSmallIntegerField(
        _("cooperation meetings a year (at least)"),
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title

    @property
    def shared_labels(self) -> list[str]:
        from enplan.consent.models import Category

        return [str(Category(c).label) for c in self.shared_categories if c in Category.values]


class Contact(models.Model):
    """A named contact person of one party (003:288, 000:2210)."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="contacts")
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("name"), max_length=200)
    role = models.CharField(_("role"), max_length=200, blank=True)
    phone = models.CharField(_("direct phone"), max_length=30, blank=True)
    phone_hours = models.CharField(_("phone hours"), max_length=100, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)

    class Meta:
        ordering = ["organisation__name", "name"]

    def __str__(self) -> str:
        return self.name


class Verification(models.Model):
    """When an organisation's own staff last confirmed its directory entry (phone, phone
    hours, e-mail, SOR/EAN and key persons): the directory is only useful while it is true
    (000:1730–1743, 004:1098)."""

    organisation = models.OneToOneField(
        "organisations.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    last_verified = models.DateField(_("last verified"))
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    def __str__(self) -> str:
        return f"{self.organisation_id} {self.last_verified}"


class Callback(PublicIdModel):
    """A request to be called back: past the phone hours to the right person. The topic is
    about the work, not a citizen's details (no personal data is kept here)."""

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    from_organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    caller_phone = models.CharField(_("call back on"), max_length=30)
    to_organisation = models.ForeignKey(
        "organisations.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("organisation"),
    )
    to_professional = models.ForeignKey(
        "organisations.Professional",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("person"),
    )
    topic = models.CharField(_("topic"), max_length=300)
    deadline = models.DateField(_("call back by"))
    done_at = models.DateTimeField(_("called back"), null=True, blank=True)

    class Meta:
        ordering = ["deadline", "id"]

    def __str__(self) -> str:
        return self.topic

    @property
    def kept(self) -> bool | None:
        from django.utils import timezone

        if self.done_at is None:
            return None
        return timezone.localtime(self.done_at).date() <= self.deadline


class Offer(PublicIdModel):
    """One unit's offer in the catalogue (tilbudskatalog): who it is for, the criteria, the
    legal basis, who decides and how to refer (004:1093–1097; 003:136–140)."""

    organisation = models.ForeignKey(
        "organisations.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("unit"),
    )
    title = models.CharField(_("offer"), max_length=200)
    target_group = models.TextField(_("target group"), max_length=TEXT_MAX)
    criteria = models.TextField(_("eligibility criteria"), max_length=TEXT_MAX)
    legal_basis = models.CharField(_("legal basis"), max_length=300)
    decided_by = models.CharField(_("who decides"), max_length=300)
    how_to_refer = models.TextField(_("how to refer"), max_length=TEXT_MAX)
    contact = models.CharField(_("contact"), max_length=300)
    active = models.BooleanField(_("offered now"), default=True)

    class Meta:
        ordering = ["organisation__name", "title"]

    def __str__(self) -> str:
        return self.title


class ActivityOffer(CitizenOwnedModel):
    """A plan activity points at an offer in the catalogue (004:1093–1097), so everyone who
    sees the activity sees who decides, the criteria and how to refer. Kept here, above the
    plan, so that plans imports nothing of the catalogue: the plan page shows the link
    through `plans.sources`."""

    activity = models.OneToOneField(
        "plans.Activity", on_delete=models.CASCADE, related_name="+", verbose_name=_("activity")
    )
    offer = models.ForeignKey(
        Offer, on_delete=models.PROTECT, related_name="activity_links", verbose_name=_("offer")
    )
    note = models.CharField(_("note on the referral"), max_length=300, blank=True)
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.activity_id} → {self.offer}"
