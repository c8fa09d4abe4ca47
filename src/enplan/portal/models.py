"""The link between a citizen's MitID log-in and the citizen: one user of role `citizen` per
citizen, made at her first log-in (only for a CPR number enplan already knows)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CitizenLogin(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="citizen_login"
    )
    citizen = models.OneToOneField(
        "citizens.Citizen", on_delete=models.CASCADE, related_name="portal_login"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_login_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("citizen log-in")

    def __str__(self) -> str:
        return str(self.user)


class Comment(models.Model):
    """What the citizen writes to her coordinating caseworker or about a sub-goal. Stays in
    enplan; the caseworker sees it on the plan."""

    citizen = models.ForeignKey(
        "citizens.Citizen", on_delete=models.CASCADE, related_name="portal_comments"
    )
    goal = models.ForeignKey(
        "plans.Goal", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    # Set when the note tells the network about her request for an interpreter or another
    # place: the caseworker is told the same way as about anything else she writes.
    meeting_request = models.ForeignKey(
        "meetings.MeetingRequest",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    text = models.TextField(_("text"), max_length=2000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.text[:60]
