"""Certificate requests (attestanmodninger) from the jobcenter to a GP, psychologist, trauma
clinic or psychiatry, and the kinds of certificate the administrator keeps.

The request travels as a CareCommunication thread; its status is read from that thread at
read time (a reply from the recipient means *answered*, an acknowledgement *received*), so
messaging needs to know nothing about certificates. An answer received on paper is entered
here; the assessment of health and function is kept apart from any comment on work capacity
(003:262)."""

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Count, Min, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from enplan.core.models import CitizenOwnedModel, CitizenOwnedQuerySet, origin_field

TEXT_MAX = 5000


class CertificateKind(models.Model):
    """A kind of certificate (statusattest, speciallægeerklæring, journaludskrift …)."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    description = models.TextField(_("description"), max_length=TEXT_MAX, blank=True)
    active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("certificate kind")
        verbose_name_plural = _("certificate kinds")

    def __str__(self) -> str:
        return self.name


class Status(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    RECEIVED = "received", _("Received by the recipient")
    ANSWERED = "answered", _("Answered")
    USED = "used", _("Used")


class TimingConsulted(models.TextChoices):
    NOT_RELEVANT = "", _("No treatment course: not relevant")
    YES = "yes", _("Yes, the clinic was consulted about the timing")
    NO = "no", _("No, the clinic was not consulted")


class CertificateRequestQuerySet(CitizenOwnedQuerySet):
    def with_progress(self) -> "CertificateRequestQuerySet":
        """The first reply in the request's thread and whether our message was acknowledged:
        what the status is computed from (one query however many rows)."""
        return self.annotate(
            reply_at=Min("thread__messages__sent_at", filter=Q(thread__messages__direction="in")),
            n_acked=Count(
                "thread__messages",
                filter=Q(thread__messages__direction="out", thread__messages__state="acknowledged"),
            ),
        )

    def open(self) -> "CertificateRequestQuerySet":
        return self.filter(used_at__isnull=True)

    def overdue(self, today: date | None = None) -> "CertificateRequestQuerySet":
        """Past the wanted date and not answered (neither by reply nor entered)."""
        today = today or timezone.localdate()
        return (
            self.with_progress()
            .filter(used_at__isnull=True, answered_at__isnull=True, reply_at__isnull=True)
            .filter(wanted_by__lt=today)
        )


class CertificateRequest(CitizenOwnedModel):
    organisation = models.ForeignKey(
        "organisations.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("requested by"),
    )
    recipient = models.ForeignKey(
        "organisations.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recipient"),
    )
    kind = models.ForeignKey(
        CertificateKind, on_delete=models.PROTECT, related_name="+", verbose_name=_("kind")
    )
    purpose = models.TextField(_("what the answer will be used for"), max_length=TEXT_MAX)
    activities = models.ManyToManyField(
        "plans.Activity", blank=True, related_name="+", verbose_name=_("activities considered")
    )
    questions = models.JSONField(_("questions"), default=list)
    wanted_by = models.DateField(_("answer wanted by"))
    duplicate_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    duplicate_reason = models.TextField(_("why a new request"), max_length=TEXT_MAX, blank=True)
    timing_consulted = models.CharField(
        _("clinic consulted about the timing"),
        max_length=5,
        choices=TimingConsulted,
        blank=True,
    )
    timing_note = models.CharField(_("note on the timing"), max_length=500, blank=True)
    thread = models.ForeignKey(
        "messaging.Thread", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    answered_at = models.DateTimeField(_("answer entered"), null=True, blank=True)
    health_assessment = models.TextField(
        _("assessment of health and function"), max_length=TEXT_MAX * 4, blank=True
    )
    work_capacity_comment = models.TextField(
        _("comment on work capacity"), max_length=TEXT_MAX, blank=True
    )
    used_at = models.DateTimeField(_("closed"), null=True, blank=True)
    used_note = models.TextField(
        _("how the answer was used in the case"), max_length=TEXT_MAX, blank=True
    )
    origin = origin_field()  # the recipient: the answer's health information comes from there

    objects = CertificateRequestQuerySet.as_manager()

    category_consent = "health"

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["citizen", "kind", "created_at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.created_at:%Y-%m-%d}"

    # --- computed at read time (annotations from `with_progress`, else one query each) ---
    @property
    def first_reply_at(self):
        if hasattr(self, "reply_at"):
            return self.reply_at
        if self.thread_id is None:
            return None
        return (
            self.thread.messages.filter(direction="in").aggregate(m=Min("sent_at"))["m"]
            if self.thread
            else None
        )

    @property
    def answer_at(self):
        """When the answer came: the first reply in the thread, or the answer entered."""
        times = [t for t in (self.first_reply_at, self.answered_at) if t]
        return min(times) if times else None

    @property
    def status(self) -> str:
        if self.used_at:
            return Status.USED
        if self.answer_at:
            return Status.ANSWERED
        acked = (
            self.n_acked
            if hasattr(self, "n_acked")
            else bool(
                self.thread_id
                and self.thread.messages.filter(direction="out", state="acknowledged").exists()
            )
        )
        return Status.RECEIVED if acked else Status.REQUESTED

    def get_status_display(self) -> str:
        return str(Status(self.status).label)

    @property
    def is_overdue(self) -> bool:
        return (
            self.answer_at is None
            and self.used_at is None
            and (self.wanted_by < timezone.localdate())
        )

    @property
    def turnaround_days(self) -> int | None:
        """Calendar days from request to answer (a reply stamped to the second may carry a
        time a moment before the request row's own)."""
        answer = self.answer_at
        if answer is None:
            return None
        days = (timezone.localtime(answer).date() - timezone.localtime(self.created_at).date()).days
        return max(days, 0)

    @property
    def answered_on_time(self) -> bool | None:
        answer = self.answer_at
        if answer is None:
            return None
        return timezone.localtime(answer).date() <= self.wanted_by
