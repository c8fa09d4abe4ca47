"""Who steers what (a manager's organisation, a politician's municipality), and the relational
coordination survey.

The survey keeps no link from an answer to a person: `SurveyAnswer` holds the rater's group
(organisation and profession), the rated group and the seven scores, with a random primary key
and no time stamp, so neither an id sequence nor a time ties it to the `SurveyRespondent`
marker that only says "this user has answered this round" (duplicate prevention).
"""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from enplan.core.models import PublicIdModel
from enplan.core.validators import municipality_code_validator

# The seven items of the relational coordination survey (Gittell; 000:1019–1035).
ITEMS = (
    ("q_frequent", _("Frequent communication")),
    ("q_timely", _("Timely communication")),
    ("q_accurate", _("Accurate communication")),
    ("q_problem_solving", _("Problem-solving communication")),
    ("q_shared_goals", _("Shared goals")),
    ("q_shared_knowledge", _("Shared knowledge")),
    ("q_mutual_respect", _("Mutual respect")),
)
ITEM_KEYS = tuple(k for k, _label in ITEMS)
SCALE = [MinValueValidator(1), MaxValueValidator(5)]


class Mandate(models.Model):
    """What a manager or politician steers: a manager her organisation, a politician his
    municipality. Set by an administrator; without one the insights pages say so."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="insights_mandate"
    )
    organisation = models.ForeignKey(
        "organisations.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("organisation (managers)"),
    )
    municipality_code = models.CharField(
        _("municipality code (politicians)"),
        max_length=4,
        blank=True,
        validators=[municipality_code_validator],
    )

    class Meta:
        verbose_name = _("insights mandate")
        verbose_name_plural = _("insights mandates")

    def __str__(self) -> str:
        return f"{self.user} – {self.organisation or self.municipality_code}"


class SurveyRound(PublicIdModel):
    """One round of the relational coordination survey, opened by a manager for the
    organisations that work together."""

    title = models.CharField(_("title"), max_length=200)
    organisations = models.ManyToManyField(
        "organisations.Organisation", related_name="+", verbose_name=_("organisations")
    )
    owner = models.ForeignKey(
        "organisations.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("opened for"),
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    closes_on = models.DateField(_("closes on"))
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        from django.utils import timezone

        return self.closed_at is None and self.closes_on >= timezone.localdate()


class SurveyAnswer(models.Model):
    """One respondent's seven scores about one other group. No respondent, no time."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    round = models.ForeignKey(SurveyRound, on_delete=models.CASCADE, related_name="answers")
    from_organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    from_profession = models.CharField(max_length=40)
    to_organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    to_profession = models.CharField(max_length=40)
    q_frequent = models.PositiveSmallIntegerField(validators=SCALE)
    q_timely = models.PositiveSmallIntegerField(validators=SCALE)
    q_accurate = models.PositiveSmallIntegerField(validators=SCALE)
    q_problem_solving = models.PositiveSmallIntegerField(validators=SCALE)
    q_shared_goals = models.PositiveSmallIntegerField(validators=SCALE)
    q_shared_knowledge = models.PositiveSmallIntegerField(validators=SCALE)
    q_mutual_respect = models.PositiveSmallIntegerField(validators=SCALE)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    **{f"{k}__gte": 1 for k in ITEM_KEYS}, **{f"{k}__lte": 5 for k in ITEM_KEYS}
                ),
                name="survey_answer_scale_1_to_5",
            )
        ]

    def __str__(self) -> str:
        return f"{self.from_profession} → {self.to_profession}"


class SurveyRespondent(models.Model):
    """'This user has answered this round': what stops a second answer. Nothing else."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    round = models.ForeignKey(SurveyRound, on_delete=models.CASCADE, related_name="respondents")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["round", "user"], name="one_answer_per_round")
        ]

    def __str__(self) -> str:
        return f"{self.round_id}: {self.user_id}"


class Snapshot(models.Model):
    """Precomputed start-page tables for one scope, period and language: what a manager or
    politician sees at once on national data. Only suppressed aggregates are stored (the same
    `privacy.Table`s the page shows), never a citizen. Renewed by `refresh_insights` (a job)
    and whenever a page finds none younger than ENPLAN_INSIGHTS_MAX_AGE_MINUTES."""

    key = models.CharField(max_length=120, unique=True)
    computed_at = models.DateTimeField()
    tables = models.JSONField(default=list)

    def __str__(self) -> str:
        return self.key
