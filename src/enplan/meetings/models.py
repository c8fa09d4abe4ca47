"""Meetings with a purpose (DOMAIN.md §5): kinds and their rules, participants, agenda,
and minutes as decisions that become the plan.

A citizen's meeting is citizen-owned (`CitizenOwnedModel`). Its minutes carry the consent
category "meeting minutes" with the convener's organisation as origin: another organisation
in the network sees their content only while a consent covers it. The meeting itself (time,
place, participants, agenda) is shown to every member, since they are the ones invited.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from enplan.consent.models import Category
from enplan.core.models import CitizenOwnedModel, CitizenOwnedQuerySet, PublicIdModel, origin_field
from enplan.plans.models import ConversationArea

TEXT_MAX = 2000


class Kind(models.TextChoices):
    PLANNING = "planning", _("Planlægningsmøde")
    NETWORK = "network", _("Netværksmøde")
    THREE_PARTY = "three_party", _("Trepartssamtale")
    FOLLOW_UP = "follow_up", _("Opfølgningssamtale")
    COOPERATION = "cooperation", _("Samarbejdsmøde")
    DISCHARGE = "discharge", _("Udskrivningskonference")


# The installation's defaults (DOMAIN.md §5; 003:481–570; 000:2198–2231). An administrator
# changes them in the admin (KindRule); these fill the table and stand in for a missing row.
DEFAULT_RULES = {
    Kind.PLANNING: {"duration_minutes": 90, "minutes_required": True, "needs_citizen": True},
    Kind.NETWORK: {"duration_minutes": 90, "minutes_required": True, "needs_citizen": True},
    Kind.THREE_PARTY: {"duration_minutes": 20, "minutes_required": False, "needs_citizen": True},
    Kind.FOLLOW_UP: {"duration_minutes": 45, "minutes_required": True, "needs_citizen": True},
    Kind.COOPERATION: {
        "duration_minutes": 120,
        "minutes_required": True,
        "needs_citizen": False,
        "per_year": 2,
    },
    Kind.DISCHARGE: {
        "duration_minutes": 60,
        "minutes_required": True,
        "needs_citizen": True,
        "deadline_working_days": 4,
    },
}


class KindRule(models.Model):
    """Installation-wide rules for one kind of meeting."""

    kind = models.CharField(_("kind"), max_length=20, choices=Kind, unique=True)
    duration_minutes = models.PositiveSmallIntegerField(
        _("default duration (minutes)"), validators=[MinValueValidator(5), MaxValueValidator(480)]
    )
    minutes_required = models.BooleanField(_("minutes required"), default=True)
    needs_citizen = models.BooleanField(_("the citizen takes part"), default=True)
    deadline_working_days = models.PositiveSmallIntegerField(
        _("held within (working days of the request)"),
        null=True,
        blank=True,
        help_text=_("For example 4 for an udskrivningskonference. Empty: no deadline."),
    )
    minutes_due_working_days = models.PositiveSmallIntegerField(
        _("minutes due (working days after the meeting)"), default=2
    )
    per_year = models.PositiveSmallIntegerField(
        _("at least per year (per pair of organisations)"), null=True, blank=True
    )

    class Meta:
        ordering = ["kind"]
        verbose_name = _("meeting rule")
        verbose_name_plural = _("meeting rules")

    def __str__(self) -> str:
        return str(self.get_kind_display())


class PlaceKind(models.TextChoices):
    HOME = "home", _("Her home")
    CLINIC = "clinic", _("The clinic")
    JOBCENTER = "jobcenter", _("The jobcenter")
    ONLINE = "online", _("Online (video link)")
    PHONE = "phone", _("Phone")


class TimeOfDay(models.TextChoices):
    ANY = "", _("No preference")
    MORNING = "morning", _("Morning")
    MIDDAY = "midday", _("Around noon")
    AFTERNOON = "afternoon", _("Afternoon")


class InterpreterStatus(models.TextChoices):
    NOT_NEEDED = "not_needed", _("Not needed")
    TO_BOOK = "to_book", _("To be booked")
    REQUESTED = "requested", _("Requested")
    CONFIRMED = "confirmed", _("Confirmed")
    CANCELLED = "cancelled", _("Cancelled")


class Status(models.TextChoices):
    PLANNED = "planned", _("Planned")
    HELD = "held", _("Held")
    CANCELLED = "cancelled", _("Cancelled")


class MeetingQuerySet(CitizenOwnedQuerySet):
    def active(self) -> "MeetingQuerySet":
        return self.exclude(status=Status.CANCELLED)


class Meeting(CitizenOwnedModel):
    citizen = models.ForeignKey(
        "citizens.Citizen", on_delete=models.CASCADE, related_name="meetings"
    )
    kind = models.CharField(_("kind of meeting"), max_length=20, choices=Kind)
    purpose = models.TextField(_("purpose"), max_length=TEXT_MAX)
    working_question = models.TextField(_("working question"), max_length=TEXT_MAX)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    place_kind = models.CharField(
        _("place (the citizen's choice)"), max_length=20, choices=PlaceKind
    )
    place_detail = models.CharField(_("address or room"), max_length=300, blank=True)
    online_link = models.URLField(_("link to the online meeting"), max_length=500, blank=True)
    preferred_time_of_day = models.CharField(
        _("preferred time of day"), max_length=20, choices=TimeOfDay, blank=True
    )
    max_per_day = models.PositiveSmallIntegerField(
        _("at most appointments a day"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
    )
    practical_notes = models.CharField(_("practical preferences"), max_length=500, blank=True)
    convener = models.ForeignKey(
        "organisations.Professional",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("convener"),
    )
    chair = models.ForeignKey(
        "organisations.Professional",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("chair"),
    )
    minute_taker = models.ForeignKey(
        "organisations.Professional",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("minute-taker"),
    )
    interpreter_language = models.CharField(_("interpreter language"), max_length=10, blank=True)
    interpreter_dialect = models.CharField(_("dialect"), max_length=100, blank=True)
    interpreter_booked_by = models.ForeignKey(
        "organisations.Professional",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("who books the interpreter"),
    )
    interpreter_status = models.CharField(
        _("interpreter"),
        max_length=20,
        choices=InterpreterStatus,
        default=InterpreterStatus.NOT_NEEDED,
    )
    requested_on = models.DateField(
        _("requested on"),
        null=True,
        blank=True,
        help_text=_("Udskrivningskonference: the day psychiatry asked for it."),
    )
    deadline = models.DateField(_("deadline"), null=True, blank=True, editable=False)
    status = models.CharField(
        _("status"), max_length=20, choices=Status, default=Status.PLANNED, db_index=True
    )
    overlap_reason = models.CharField(
        _("reason for another appointment the same day"), max_length=300, blank=True
    )
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=300, blank=True)
    version = models.PositiveIntegerField(default=1)
    sequence = models.PositiveIntegerField(default=0, help_text="iCalendar SEQUENCE")
    origin = origin_field()

    objects = MeetingQuerySet.as_manager()

    category = Category.MINUTES

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [models.Index(fields=["citizen", "starts_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")),
                name="meeting_ends_after_start",
                violation_error_message=_("The meeting must end after it starts."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.starts_at:%Y-%m-%d}"

    @property
    def is_cancelled(self) -> bool:
        return self.status == Status.CANCELLED

    @property
    def interpreter_language_label(self) -> str:
        from enplan.citizens.models import Language

        code = self.interpreter_language
        return str(Language(code).label) if code in Language.values else code

    @property
    def ical_uid(self) -> str:
        return f"{self.uuid}@enplan"


class RequestKind(models.TextChoices):
    INTERPRETER = "interpreter", _("An interpreter")
    PLACE = "place", _("Another place")


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for an answer")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")


class MeetingRequest(CitizenOwnedModel):
    """The citizen asks, in Min plan, for an interpreter or another place for an upcoming
    meeting; the convener or the coordinating caseworker accepts or declines it with a short
    answer. Accepting changes the meeting itself (through the services)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="requests")
    kind = models.CharField(_("what she asks for"), max_length=20, choices=RequestKind)
    language = models.CharField(_("interpreter language"), max_length=10, blank=True)
    dialect = models.CharField(_("dialect"), max_length=100, blank=True)
    place_kind = models.CharField(_("place"), max_length=20, choices=PlaceKind, blank=True)
    note = models.CharField(_("her note"), max_length=300, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=RequestStatus, default=RequestStatus.PENDING
    )
    answer = models.CharField(_("answer"), max_length=300, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # One open question of each kind per meeting: asking twice is answered once.
            models.UniqueConstraint(
                fields=["meeting", "kind"],
                condition=Q(status="pending"),
                name="meeting_request_one_open_per_kind",
                violation_error_message=_("You have already asked. Please wait for the answer."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} – {self.get_status_display()}"

    @property
    def is_pending(self) -> bool:
        return self.status == RequestStatus.PENDING

    @property
    def language_label(self) -> str:
        from enplan.citizens.models import Language

        code = self.language
        return str(Language(code).label) if code in Language.values else code


class ParticipantRole(models.TextChoices):
    CITIZEN = "citizen", _("The citizen")
    PROFESSIONAL = "professional", _("Professional in the network")
    RELATIVE = "relative", _("Relative (pårørende)")
    BISIDDER = "bisidder", _("Bisidder")
    EMPLOYER = "employer", _("Employer")
    UNION = "union", _("Union")
    INTERPRETER = "interpreter", _("Interpreter")
    OTHER = "other", _("Other")


class InvitationState(models.TextChoices):
    NONE = "", _("Not invited")
    EMAIL = "email", _("E-mail with calendar invitation")
    CARECOMMUNICATION = "carecommunication", _("CareCommunication")
    CONSENT_MISSING = "consent_missing", _("Not sent – consent missing")
    NO_ADDRESS = "no_address", _("No address – invite by phone")


class Participant(CitizenOwnedModel):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="participants")
    membership = models.ForeignKey(
        "network.NetworkMembership",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    role = models.CharField(_("role"), max_length=20, choices=ParticipantRole)
    name = models.CharField(_("name"), max_length=200)
    organisation = models.ForeignKey(
        "organisations.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    attended = models.BooleanField(_("came"), null=True)
    invitation = models.CharField(
        _("invitation"), max_length=20, choices=InvitationState, blank=True
    )
    thread = models.ForeignKey(
        "messaging.Thread", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_role_display()})"

    @property
    def outside_enplan(self) -> bool:
        return bool(self.organisation_id) and not self.organisation.uses_enplan


class AgendaItem(CitizenOwnedModel):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda")
    position = models.PositiveIntegerField(default=0)
    title = models.CharField(_("agenda item"), max_length=300)
    area = models.PositiveSmallIntegerField(
        _("conversation area"), choices=ConversationArea, null=True, blank=True
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    origin = origin_field()

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.title


class MinutesState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Approved")


CHECK_VALIDATORS = [MinValueValidator(1), MaxValueValidator(5)]


class Minutes(CitizenOwnedModel):
    """Beslutningsreferat (001:2340–2590). Approved minutes are locked; a correction is a new
    version (number + 1) that starts as a copy of the approved one."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="minutes")
    number = models.PositiveIntegerField(default=1)
    state = models.CharField(
        _("state"), max_length=10, choices=MinutesState, default=MinutesState.DRAFT
    )
    summary = models.TextField(_("summary"), max_length=TEXT_MAX, blank=True)
    correction_note = models.CharField(_("what was corrected"), max_length=300, blank=True)
    check_overview = models.PositiveSmallIntegerField(
        _("overview of her situation and the way ahead"),
        null=True,
        blank=True,
        validators=CHECK_VALIDATORS,
    )
    check_meeting = models.PositiveSmallIntegerField(
        _("influence on today's meeting"), null=True, blank=True, validators=CHECK_VALIDATORS
    )
    check_agreed = models.PositiveSmallIntegerField(
        _("influence on what was agreed"), null=True, blank=True, validators=CHECK_VALIDATORS
    )
    check_optimism = models.PositiveSmallIntegerField(
        _("positive about the way ahead"), null=True, blank=True, validators=CHECK_VALIDATORS
    )
    next_meeting_at = models.DateTimeField(_("next meeting: when"), null=True, blank=True)
    next_meeting_place = models.CharField(_("where"), max_length=200, blank=True)
    next_meeting_with = models.CharField(_("who takes part"), max_length=300, blank=True)
    next_followup_on = models.DateField(_("next follow-up on the plan"), null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    origin = origin_field()

    category = Category.MINUTES

    class Meta:
        ordering = ["meeting", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "number"], name="minutes_unique_version")
        ]

    def __str__(self) -> str:
        return f"{self.meeting} – v{self.number}"

    @property
    def locked(self) -> bool:
        return self.state == MinutesState.APPROVED


class Decision(CitizenOwnedModel):
    """One row of the beslutningsreferat: topic – what was agreed – who does what, by when."""

    minutes = models.ForeignKey(Minutes, on_delete=models.CASCADE, related_name="decisions")
    position = models.PositiveIntegerField(default=0)
    topic = models.CharField(_("topic"), max_length=300)
    agreed = models.TextField(_("what was agreed"), max_length=TEXT_MAX)
    who = models.CharField(_("who does what"), max_length=300)
    responsible = models.ForeignKey(
        "network.NetworkMembership",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("responsible in the network"),
    )
    due_on = models.DateField(_("by when"), null=True, blank=True)
    activity = models.ForeignKey(
        "plans.Activity", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    goal = models.ForeignKey(
        "plans.Goal", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    plan_version = models.PositiveIntegerField(null=True, blank=True)
    origin = origin_field()

    category = Category.MINUTES

    class Meta:
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["citizen", "plan_version"])]

    def __str__(self) -> str:
        return self.topic

    @property
    def in_plan(self) -> bool:
        return self.plan_version is not None


class CooperationMeeting(PublicIdModel):
    """Samarbejdsmøde: between organisations, no citizen, no personal data."""

    organisations = models.ManyToManyField(
        "organisations.Organisation", related_name="+", verbose_name=_("organisations")
    )
    purpose = models.TextField(_("purpose"), max_length=TEXT_MAX)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    place = models.CharField(_("place"), max_length=300, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status, default=Status.PLANNED)
    minutes = models.TextField(_("minutes"), max_length=TEXT_MAX * 4, blank=True)
    convener = models.ForeignKey(
        "organisations.Professional", on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-starts_at"]

    def __str__(self) -> str:
        return f"{_('Samarbejdsmøde')} {self.starts_at:%Y-%m-%d}"


class InvitationEmail(models.Model):
    """The outbox for calendar e-mails: stored in the transaction of the change that causes
    them, sent after commit (and retried by `send_meeting_invitations`)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="emails")
    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, null=True, related_name="+"
    )
    to = models.EmailField()
    method = models.CharField(max_length=10)  # REQUEST or CANCEL
    sequence = models.PositiveIntegerField()
    subject = models.CharField(max_length=200)
    body = models.TextField()
    ics = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["sent_at", "attempts"])]

    def __str__(self) -> str:
        return f"{self.method} {self.to} #{self.sequence}"
