"""The one shared plan, after the planning-meeting template (DOMAIN.md, item 3)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from enplan.consent.models import Category
from enplan.core.models import CitizenOwnedModel, origin_field

TEXT_MAX = 2000  # a plan is read aloud with the citizen; longer text belongs in an attachment


class ConversationArea(models.IntegerChoices):
    FUTURE = 1, _("Wishes for the future")
    EVERYDAY = 2, _("Everyday life")
    HEALTH = 3, _("Health")
    PSYCHIATRY = 4, _("Support from psychiatry")
    JOBCENTER = 5, _("Support from the jobcenter")


class Plan(CitizenOwnedModel):
    citizen = models.OneToOneField(
        "citizens.Citizen", on_delete=models.CASCADE, related_name="plan"
    )
    version = models.PositiveIntegerField(default=0)
    final_goal = models.TextField(
        _("final goal for work or education (in the citizen's own words)"),
        max_length=TEXT_MAX,
        blank=True,
    )
    area_future = models.TextField(
        _("1. Wishes for the future"),
        max_length=TEXT_MAX,
        blank=True,
        help_text=_("Next 3 months, own contribution, worries and special needs."),
    )
    area_everyday = models.TextField(
        _("2. Everyday life"),
        max_length=TEXT_MAX,
        blank=True,
        help_text=_("Family, housing, economy, network, leisure."),
    )
    area_health = models.TextField(
        _("3. Health"),
        max_length=TEXT_MAX,
        blank=True,
        help_text=_("Skånehensyn (accommodations); diet, exercise, sleep, pain, coping."),
    )
    area_psychiatry = models.TextField(
        _("4. Support expected from psychiatry"),
        max_length=TEXT_MAX,
        blank=True,
        help_text=_("Medication, treatment course."),
    )
    area_jobcenter = models.TextField(
        _("5. Support expected from the jobcenter"),
        max_length=TEXT_MAX,
        blank=True,
        help_text=_("Job retention, work placement, education, rights and duties."),
    )
    mentor_role = models.TextField(_("role of the mentor"), max_length=TEXT_MAX, blank=True)
    support_contact_role = models.TextField(
        _("role of the støttekontaktperson"), max_length=TEXT_MAX, blank=True
    )
    followup_at = models.DateTimeField(_("next follow-up"), null=True, blank=True)
    followup_place = models.CharField(_("where"), max_length=200, blank=True)
    followup_with = models.CharField(_("who takes part"), max_length=300, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    origin = origin_field()
    # Which organisation wrote each text field last: {field name: organisation id}.
    field_origins = models.JSONField(default=dict, blank=True)

    def __str__(self) -> str:
        return f"Plan for {self.citizen}"

    def origin_of(self, field_name: str) -> int | None:
        return self.field_origins.get(field_name, self.origin_id)

    def field_withheld(self, policy, field_name: str):
        """The policy's verdict on one text field; an empty field has nothing to withhold,
        so anyone in the network may fill it in."""
        if getattr(self, field_name) in ("", None):
            return None
        return policy.withheld(PLAN_FIELD_CATEGORIES[field_name], self.origin_of(field_name))


class GoalStatus(models.TextChoices):
    OPEN = "open", _("Not started")
    IN_PROGRESS = "in_progress", _("In progress")
    ACHIEVED = "achieved", _("Achieved")
    DROPPED = "dropped", _("Dropped")


class Goal(CitizenOwnedModel):
    """A sub-goal (delmål): what the citizen wants to achieve, with its evaluation."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="goals")
    title = models.CharField(_("what do you want to achieve?"), max_length=300)
    area = models.PositiveSmallIntegerField(
        _("conversation area"), choices=ConversationArea, null=True, blank=True
    )
    target_date = models.DateField(_("target date"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=GoalStatus, default=GoalStatus.OPEN
    )
    evaluation = models.TextField(
        _("evaluation – changes since last time?"), max_length=TEXT_MAX, blank=True
    )
    position = models.PositiveIntegerField(default=0)
    origin = origin_field()

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.title

    @property
    def category(self) -> str:
        return Category.PLAN


class TrackKind(models.TextChoices):
    TREATMENT = "treatment", _("Treatment")
    EMPLOYMENT = "employment", _("Employment")


class TrackStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    WAITING = "waiting", _("Waiting (e.g. until the medication works)")
    PAUSED = "paused", _("Paused")
    COMPLETED = "completed", _("Completed")


class Track(CitizenOwnedModel):
    """Treatment and employment run as parallel tracks; either can signal readiness for the
    next step (e.g. psychiatry: 'ready for a work placement')."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="tracks")
    kind = models.CharField(_("track"), max_length=20, choices=TrackKind)
    status = models.CharField(
        _("status"), max_length=20, choices=TrackStatus, default=TrackStatus.ACTIVE
    )
    summary = models.TextField(_("summary"), max_length=TEXT_MAX, blank=True)
    ready_for_next_step = models.BooleanField(_("ready for the next step"), default=False)
    ready_note = models.CharField(_("readiness note"), max_length=500, blank=True)
    ready_signalled_at = models.DateTimeField(null=True, blank=True)
    ready_signalled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    origin = origin_field()

    class Meta:
        ordering = ["kind"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "kind"], name="one_track_per_kind"),
        ]

    def __str__(self) -> str:
        return self.get_kind_display()

    @property
    def category(self) -> str:
        return Category.HEALTH if self.kind == TrackKind.TREATMENT else Category.EMPLOYMENT

    @property
    def is_blank(self) -> bool:
        return (
            self.status == TrackStatus.ACTIVE
            and not self.summary
            and not self.ready_note
            and not self.ready_for_next_step
        )


class ActivityStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    ONGOING = "ongoing", _("Ongoing")
    WAITING = "waiting", _("Waiting")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_ACTIVITY_STATUSES = (ActivityStatus.PLANNED, ActivityStatus.ONGOING, ActivityStatus.WAITING)


class LegalBasis(models.TextChoices):
    LAB = "lab", _("Lov om en aktiv beskæftigelsesindsats (LAB)")
    SERVICELOVEN = "serviceloven", _("Serviceloven")
    SUNDHEDSLOVEN = "sundhedsloven", _("Sundhedsloven")
    AKTIVLOVEN = "aktivloven", _("Lov om aktiv socialpolitik")
    SYGEDAGPENGELOVEN = "sygedagpengeloven", _("Sygedagpengeloven")
    VOLUNTARY = "voluntary", _("Voluntary / no statutory basis")


class CitizenView(models.TextChoices):
    NOT_ASKED = "", _("Not asked yet")
    YES = "yes", _("Makes sense to me")
    PARTLY = "partly", _("Partly")
    NO = "no", _("Does not make sense to me")


class Activity(CitizenOwnedModel):
    """A concrete step in the next three months: who does what, why, on which legal basis."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="activities")
    goal = models.ForeignKey(
        Goal,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="activities",
        verbose_name=_("sub-goal"),
    )
    track = models.CharField(_("track"), max_length=20, choices=TrackKind, blank=True)
    title = models.CharField(_("activity"), max_length=300)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("to"), null=True, blank=True)
    responsible = models.ForeignKey(
        "network.NetworkMembership",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("responsible"),
    )
    organisation = models.ForeignKey(
        "organisations.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("organisation"),
    )
    purpose = models.TextField(_("purpose"), max_length=TEXT_MAX)
    legal_basis = models.CharField(_("legal basis"), max_length=30, choices=LegalBasis)
    legal_reference = models.CharField(
        _("section"), max_length=100, blank=True, help_text=_("For example: LAB § 42")
    )
    status = models.CharField(
        _("status"), max_length=20, choices=ActivityStatus, default=ActivityStatus.PLANNED
    )
    citizen_view = models.CharField(
        _("does it make sense to the citizen?"), max_length=10, choices=CitizenView, blank=True
    )
    evaluation = models.TextField(_("evaluation"), max_length=TEXT_MAX, blank=True)
    origin = origin_field()

    class Meta:
        ordering = ["starts_on", "id"]
        indexes = [models.Index(fields=["citizen", "status", "ends_on"])]

    def __str__(self) -> str:
        return self.title

    @property
    def category(self) -> str:
        return activity_category(self.track, self.organisation.sector if self.organisation else "")


def activity_category(track: str, sector: str) -> str:
    from enplan.organisations.models import Sector

    if sector == Sector.SUBSTANCE_ABUSE:
        return Category.SUBSTANCE
    if track == TrackKind.TREATMENT:
        return Category.HEALTH
    if track == TrackKind.EMPLOYMENT:
        return Category.EMPLOYMENT
    return Category.PLAN


def activity_category_q(prefix: str = "") -> dict:
    """`activity_category` as database filters, one per category (for counting in SQL)."""
    from django.db.models import Q

    from enplan.organisations.models import Sector

    substance = Q(**{f"{prefix}organisation__sector": Sector.SUBSTANCE_ABUSE})
    return {
        Category.SUBSTANCE: substance,
        Category.HEALTH: Q(**{f"{prefix}track": TrackKind.TREATMENT}) & ~substance,
        Category.EMPLOYMENT: Q(**{f"{prefix}track": TrackKind.EMPLOYMENT}) & ~substance,
        Category.PLAN: ~Q(**{f"{prefix}track__in": [TrackKind.TREATMENT, TrackKind.EMPLOYMENT]})
        & ~substance,
    }


# The consent category of each text field of the plan.
PLAN_FIELD_CATEGORIES = {
    "final_goal": Category.PLAN,
    "area_future": Category.PLAN,
    "area_everyday": Category.PLAN,
    "area_health": Category.HEALTH,
    "area_psychiatry": Category.HEALTH,
    "area_jobcenter": Category.EMPLOYMENT,
    "mentor_role": Category.PLAN,
    "support_contact_role": Category.PLAN,
    "followup_at": Category.PLAN,
    "followup_place": Category.PLAN,
    "followup_with": Category.PLAN,
}


class ChangeKind(models.TextChoices):
    CREATED = "created", _("Plan created")
    PLAN_UPDATED = "plan_updated", _("Plan updated")
    GOAL_ADDED = "goal_added", _("Sub-goal added")
    GOAL_UPDATED = "goal_updated", _("Sub-goal changed")
    GOAL_REMOVED = "goal_removed", _("Sub-goal removed")
    ACTIVITY_ADDED = "activity_added", _("Activity added")
    ACTIVITY_UPDATED = "activity_updated", _("Activity changed")
    ACTIVITY_REMOVED = "activity_removed", _("Activity removed")
    TRACK_UPDATED = "track_updated", _("Track changed")


class PlanVersion(CitizenOwnedModel):
    """An immutable snapshot of the whole plan after one change: who, when, what."""

    citizen = models.ForeignKey(
        "citizens.Citizen", on_delete=models.CASCADE, related_name="plan_versions"
    )
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    change = models.CharField(max_length=30, choices=ChangeKind)
    subject = models.CharField(max_length=300, blank=True)
    subject_category = models.CharField(max_length=20, blank=True)
    subject_origin = models.ForeignKey(
        "organisations.Organisation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    snapshot = models.JSONField()
    # The names of the fields this change altered (of the plan, or of its subject): what the
    # history says changed, in the reader's language. Null where not recorded (versions from
    # before, and bulk loads that write rows directly, such as the national-scale generator).
    changed_fields = models.JSONField(default=list, blank=True, null=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="unique_plan_version"),
        ]

    def __str__(self) -> str:
        return f"v{self.number} {self.change}"
