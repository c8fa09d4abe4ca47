"""Secure messages between sectors: MedCom CareCommunication threads, their message segments,
received-message receipts (for de-duplication and acknowledgements) and the outbox.

A thread is one conversation at one of our organisations, identified as MedCom does by the
communication identifier (Communication.identifier): it stays the same on reply and changes
on forward. Each message (a Bundle) brings message segments (Communication.payload); a reply
repeats earlier segments, so segments are stored once per thread by their identifier.
"""

import hashlib
import secrets
from urllib.parse import urlsplit

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from enplan.core.models import PublicIdModel


class MedComCategory(models.TextChoices):
    """MedCom CareCommunication category codes (required binding)."""

    ACUTE_AMBULANT = "acute-ambulant", _("Akut ambulant")
    ALCOHOL_DRUG = "alcohol-and-drug-treatment", _("Rusmiddelbehandling")
    ASSISTIVE_DEVICES = "assistive-devices", _("Hjælpemidler")
    CARE_COORDINATION = "carecoordination", _("Forløbskoordinering")
    DECEASE = "decease", _("Dødsfald")
    DISCHARGE = "discharge", _("Udskrivelse")
    EXAMINATION_RESULTS = "examination-results", _("Undersøgelsessvar")
    EXTENDED_CARE = "extended-care-responsibility", _("Udvidet behandlingsansvar")
    HEALTHCARE = "healthcare", _("Sundhedspleje")
    HOME_CARE_ASSESSMENT = "home-care-assessment", _("Visitation")
    MEDICINE = "medicine", _("Medicin")
    NURSING = "nursing", _("Sygepleje")
    OUTPATIENT = "outpatient", _("Ambulant")
    PSYCHIATRY_SOCIAL = "psychiatry-social-disability", _("Psykiatri, social, handicap")
    REGARDING_REFERRAL = "regarding-referral", _("Vedr. henvisning")
    TELEMEDICINE = "telemedicine", _("Telemedicin")
    TRAINING = "training", _("Træning")
    OTHER = "other", _("Andet")


class Direction(models.TextChoices):
    IN = "in", _("Received")
    OUT = "out", _("Sent")


class Activity(models.TextChoices):
    NEW = "new-message", _("New message")
    REPLY = "reply-message", _("Reply")
    FORWARD = "forward-message", _("Forward")


class DeliveryState(models.TextChoices):
    RECEIVED = "received", _("Received")
    QUEUED = "queued", _("Waiting to be sent")
    SENT = "sent", _("Sent, awaiting acknowledgement")
    ACKNOWLEDGED = "acknowledged", _("Delivered")
    FAILED = "failed", _("Not delivered")


class ThreadQuerySet(models.QuerySet):
    def visible_to(self, user) -> "ThreadQuerySet":
        """Threads at the user's organisation about citizens in the user's networks, plus
        the organisation's triage inbox (messages about a citizen not yet identified)."""
        from enplan.citizens.access import visible_citizen_ids
        from enplan.core.models import organisation_id_of

        org_id = organisation_id_of(user)
        if org_id is None or getattr(user, "role", None) != "professional":
            return self.none()
        return self.filter(organisation_id=org_id).filter(
            Q(citizen_id__in=visible_citizen_ids(user)) | Q(citizen__isnull=True)
        )

    def triage(self) -> "ThreadQuerySet":
        return self.filter(citizen__isnull=True)


class Thread(PublicIdModel):
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="threads"
    )
    citizen = models.ForeignKey(
        "citizens.Citizen",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="threads",
        help_text=_("Empty while the message waits in triage for a person to be identified."),
    )
    municipality_code = models.CharField(max_length=4, blank=True, db_index=True)
    communication_id = models.CharField(_("communication identifier"), max_length=100)
    partner = models.ForeignKey(
        "organisations.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="partner_threads",
        verbose_name=_("correspondent"),
        help_text=_(
            "Empty while the sender is not in the organisation directory: the thread waits "
            "in triage."
        ),
    )
    # The sender as the message named it (SOR code and name): what triage shows, and how the
    # thread finds its partner once the directory knows it. No organisation is ever created
    # from a message.
    partner_sor = models.CharField(max_length=18, blank=True, default="", db_default="")
    partner_name = models.CharField(max_length=200, blank=True, default="", db_default="")
    category = models.CharField(_("category"), max_length=40, choices=MedComCategory)
    topic = models.CharField(_("topic"), max_length=60, blank=True)
    patient = models.JSONField(
        _("patient as named in the message"),
        default=dict,
        help_text=_("Identifiers and name from the message's Patient, kept for triage."),
    )
    patient_deceased = models.BooleanField(_("reported deceased"), default=False)
    forwarded_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    last_message_at = models.DateTimeField(_("last message"), db_index=True)
    last_incoming_at = models.DateTimeField(null=True, blank=True)
    notification_kind = models.CharField(max_length=30, blank=True)
    history = models.JSONField(
        default=list, help_text="The Provenance chain: one entry per message in the thread."
    )

    objects = ThreadQuerySet.as_manager()

    category_consent = "messages"

    class Meta:
        ordering = ["-last_message_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "communication_id"], name="thread_unique_per_org"
            )
        ]
        indexes = [models.Index(fields=["citizen", "-last_message_at"])]

    def __str__(self) -> str:
        return f"{self.get_category_display()} – {self.correspondent}"

    @property
    def correspondent(self) -> str:
        if self.partner_id is not None:
            return self.partner.name
        return f"{self.partner_name or '?'} (SOR {self.partner_sor or '?'})"

    @property
    def patient_label(self) -> str:
        name = self.patient.get("name", "")
        ids = ", ".join(i.get("value", "") for i in self.patient.get("identifiers", []))
        return f"{name} ({ids})" if ids else name


class Message(PublicIdModel):
    """One CareCommunication (a FHIR message Bundle), received or sent."""

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="messages")
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    direction = models.CharField(max_length=3, choices=Direction)
    activity = models.CharField(max_length=20, choices=Activity)
    header_id = models.CharField(_("message id"), max_length=64)
    bundle_id = models.CharField(max_length=64)
    content_hash = models.CharField(max_length=64)
    previous_header_id = models.CharField(max_length=64, blank=True)
    sender_sor = models.CharField(max_length=18)
    sender_ean = models.CharField(max_length=13, blank=True)
    receiver_sor = models.CharField(max_length=18)
    receiver_ean = models.CharField(max_length=13, blank=True)
    sent_at = models.DateTimeField(_("sent"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    state = models.CharField(max_length=15, choices=DeliveryState)
    ack_code = models.CharField(max_length=20, blank=True)
    ack_detail = models.CharField(max_length=500, blank=True)
    bundle = models.JSONField(
        help_text="The message as received or sent, attachment data replaced by references."
    )

    class Meta:
        ordering = ["sent_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "direction", "header_id"], name="message_id_unique"
            ),
            models.UniqueConstraint(
                fields=["organisation", "direction", "bundle_id"], name="message_bundle_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_activity_display()} {self.header_id}"


class SegmentKind(models.TextChoices):
    TEXT = "text", _("Message text")
    ATTACHMENT = "attachment", _("Attachment")


class Segment(PublicIdModel):
    """A message segment (Communication.payload): a signed text or an attachment."""

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="segments")
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="segments")
    identifier = models.CharField(max_length=100)
    kind = models.CharField(max_length=10, choices=SegmentKind)
    timestamp = models.DateTimeField(_("sent"))
    origin = models.ForeignKey(
        "organisations.Organisation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Organisation whose staff wrote it (ours) or that received it (theirs).",
    )
    from_partner = models.BooleanField(default=False)
    assigner_sor = models.CharField(max_length=18, blank=True)
    author_name = models.CharField(_("author"), max_length=200, blank=True)
    author_role = models.CharField(_("role"), max_length=200, blank=True)
    author_phone = models.CharField(_("phone"), max_length=40, blank=True)
    text = models.TextField(blank=True)
    title = models.CharField(_("title"), max_length=300, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    data = models.BinaryField(null=True, blank=True, editable=False)
    url = models.URLField(max_length=500, blank=True)
    created = models.DateTimeField(null=True, blank=True)

    category = "messages"

    class Meta:
        ordering = ["timestamp", "id"]
        constraints = [
            models.UniqueConstraint(fields=["thread", "identifier"], name="segment_unique")
        ]

    def __str__(self) -> str:
        return self.title or self.text[:40]

    @property
    def link_url(self) -> str:
        """The attachment's URL if it may be rendered as a link: only http(s). Anything else a
        message brings (javascript:, data:, file:, a reference inside the Bundle) is shown
        as text at most, never as a link."""
        url = (self.url or "").strip()
        if not url or any(ord(c) < 33 or c in "<>\"'`\\" for c in url):
            return ""
        parts = urlsplit(url)
        return url if parts.scheme.lower() in ("http", "https") and parts.netloc else ""


class ThreadRead(models.Model):
    """When a user last opened a thread: anything received after that is unread."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="reads")
    read_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "thread"], name="thread_read_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} read {self.thread_id} at {self.read_at}"


class Outcome(models.TextChoices):
    ACCEPTED = "accepted", _("Accepted")
    DUPLICATE = "duplicate", _("Duplicate")
    REJECTED = "rejected", _("Rejected")


def _hash_key(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class MessageIntegrationQuerySet(models.QuerySet):
    def authenticate(self, raw: str) -> "MessageIntegration | None":
        return self.filter(key_hash=_hash_key(raw), revoked_at__isnull=True).first()


class MessageIntegration(models.Model):
    """A system that hands us MedCom messages – a VANS/mailbox adapter, a partner's system or
    our own drop-folder reader – and the SOR codes it may deliver for. Receipt accepts only
    such a credential, never a person's API token; a message whose sender is not one of its
    SOR codes is refused. Only the key's hash is stored; the key is shown once."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    sender_sors = models.JSONField(_("SOR codes it may send for"), default=list, blank=True)
    any_sender = models.BooleanField(
        _("any sender"),
        default=False,
        help_text=_("Only for an adapter whose network authenticates the senders itself (VANS)."),
    )
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = MessageIntegrationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def issue(
        cls, name: str, sender_sors: list[str], *, any_sender: bool = False
    ) -> tuple["MessageIntegration", str]:
        raw = "enpi_" + secrets.token_urlsafe(32)
        integration = cls.objects.create(
            name=name,
            sender_sors=sorted(set(sender_sors)),
            any_sender=any_sender,
            key_hash=_hash_key(raw),
        )
        return integration, raw

    def revoke(self) -> None:
        self.revoked_at = timezone.now()
        self.save(update_fields=["revoked_at"])

    def may_send_for(self, sor: str) -> bool:
        return self.any_sender or (bool(sor) and sor in self.sender_sors)

    @property
    def audit_actor(self) -> dict:
        """Who the audit log names for what this integration delivers."""
        return {
            "actor": f"integration:{self.name}"[:150],
            "actor_name": self.name,
            "organisation": "",
            "role": "integration",
        }


class Receipt(models.Model):
    """Every message that reached us, whatever became of it: the log of receipts, the
    de-duplication record and the acknowledgement we answered with."""

    received_at = models.DateTimeField(auto_now_add=True, db_index=True)
    channel = models.CharField(max_length=20)
    source = models.CharField(max_length=500, blank=True)
    header_id = models.CharField(max_length=64, blank=True, db_index=True)
    bundle_id = models.CharField(max_length=64, blank=True)
    content_hash = models.CharField(max_length=64, blank=True)
    organisation = models.ForeignKey(
        "organisations.Organisation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    sender_sor = models.CharField(max_length=18, blank=True)
    integration = models.ForeignKey(
        MessageIntegration,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="receipts",
        help_text="The system that delivered it (empty: from within enplan).",
    )
    outcome = models.CharField(max_length=10, choices=Outcome)
    reason = models.CharField(max_length=500, blank=True)
    message = models.ForeignKey(
        Message, on_delete=models.SET_NULL, null=True, blank=True, related_name="receipts"
    )
    ack_header_id = models.CharField(max_length=64, blank=True)
    ack_code = models.CharField(max_length=20)
    ack = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return f"{self.outcome} {self.header_id or '?'} via {self.channel}"


class OutboxState(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    DEAD = "dead", _("Gave up")


class OutboxEntry(models.Model):
    """A message to deliver, written in the same transaction as the action that caused it.

    The delivery worker leases entries (`leased_until`), sends them and marks them sent; a
    worker that dies mid-send leaves a lease that runs out, and the entry is sent again
    under the same message id, which the receiver de-duplicates.
    """

    created_at = models.DateTimeField(auto_now_add=True)
    kind = models.CharField(max_length=20)  # carecommunication | acknowledgement
    header_id = models.CharField(max_length=64, unique=True)
    message = models.ForeignKey(
        Message, on_delete=models.CASCADE, null=True, blank=True, related_name="outbox"
    )
    receiver_sor = models.CharField(max_length=18)
    endpoint = models.CharField(max_length=500, blank=True)
    content_type = models.CharField(max_length=40, default="application/fhir+json")
    payload = models.TextField()
    state = models.CharField(
        max_length=10, choices=OutboxState, default=OutboxState.PENDING, db_index=True
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(db_index=True)
    leased_until = models.DateTimeField(null=True, blank=True)
    leased_by = models.CharField(max_length=100, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "outbox"

    def __str__(self) -> str:
        return f"{self.kind} {self.header_id} → {self.receiver_sor} ({self.state})"


class NotificationKind(models.TextChoices):
    COORDINATOR_ASSIGNED = "coordinator_assigned", _("Coordinating caseworker assigned")
    TREATMENT_STARTED = "treatment_started", _("Treatment started")
    TREATMENT_ENDED = "treatment_ended", _("Treatment ended")
    INTERVENTION_PLANNED = "intervention_planned", _("Planned intervention, for comments")


class NotificationSetting(models.Model):
    """Switches one kind of systematic notification off (or on) towards one partner."""

    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    partner = models.ForeignKey(
        "organisations.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=30, choices=NotificationKind)
    enabled = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "partner", "kind"], name="notification_setting_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.partner_id}: {'on' if self.enabled else 'off'}"
