"""Courses (forløb): the statutory frame a citizen is in, and how it ended."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from enplan.core.models import CitizenOwnedModel, origin_field


class TargetGroup(models.TextChoices):
    AKTIVITETSPARAT = "aktivitetsparat", _("Aktivitetsparat (LAB §6 nr. 3)")
    SYGEDAGPENGE = "sygedagpenge", _("Sygedagpenge")
    JOBAFKLARING = "jobafklaring", _("Jobafklaringsforløb")
    RESSOURCEFORLOEB = "ressourceforloeb", _("Ressourceforløb")
    UDDANNELSESHJAELP = "uddannelseshjaelp_u30", _("Uddannelseshjælp (under 30)")


class CourseState(models.TextChoices):
    ACTIVE = "active", _("In progress")
    PAUSED = "paused", _("Paused (e.g. maternity leave)")
    ENDED = "ended", _("Ended")


class EmploymentOutcome(models.TextChoices):
    NONE = "", _("Not yet")
    JOB_FULL = "job_full", _("Ordinary job, full time")
    JOB_PART = "job_part", _("Ordinary job, part time")
    WAGE_SUBSIDY = "wage_subsidy", _("Wage subsidy job (løntilskud)")
    SMALL_JOB = "small_job", _("Small job (småjob)")
    WORK_PLACEMENT = "work_placement", _("Work placement (virksomhedspraktik)")
    EDUCATION = "education", _("Education")
    COURSE = "course", pgettext_lazy("outcome", "Course")
    FLEXJOB_TRACK = "flexjob_track", _("Flexjob track")
    SICK_PAY = "sick_pay", _("Sick pay (sygedagpenge)")
    RESOURCE_COURSE = "resource_course", _("Resource course / work capacity assessment")
    MOVED_AWAY = "moved_away", _("Moved away")
    NO_CONTACT = "no_contact", _("No contact")


class SubstanceOutcome(models.TextChoices):
    NONE = "", _("Not relevant / unknown")
    OUT = "out", _("Out of substance abuse")
    REDUCED = "reduced", _("Reduced substance use")
    IN_TREATMENT = "in_treatment", _("In treatment")
    STILL_USING = "still_using", _("Still using")


class Course(CitizenOwnedModel):
    citizen = models.ForeignKey(
        "citizens.Citizen", on_delete=models.CASCADE, related_name="courses"
    )
    target_group = models.CharField(_("target group"), max_length=30, choices=TargetGroup)
    starts_on = models.DateField(_("start"))
    ends_on = models.DateField(_("end"), null=True, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=CourseState, default=CourseState.ACTIVE
    )
    employment_outcome = models.CharField(
        _("employment / education outcome"),
        max_length=30,
        choices=EmploymentOutcome,
        blank=True,
    )
    substance_outcome = models.CharField(
        _("substance use outcome"), max_length=20, choices=SubstanceOutcome, blank=True
    )
    outcome_note = models.TextField(_("outcome note"), max_length=2000, blank=True)
    origin = origin_field()

    category = "employment"

    class Meta:
        ordering = ["-starts_on"]

    def __str__(self) -> str:
        return f"{self.get_target_group_display()} ({self.starts_on})"

    def clean(self) -> None:
        if self.ends_on and self.starts_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("The end date cannot be before the start date.")})
        if self.state == CourseState.ENDED and not self.ends_on:
            raise ValidationError({"ends_on": _("An ended course needs an end date.")})
