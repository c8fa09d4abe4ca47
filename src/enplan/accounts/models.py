"""Users and API tokens."""

import hashlib
import secrets

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    PROFESSIONAL = "professional", _("Professional")
    MANAGER = "manager", _("Manager")
    POLITICIAN = "politician", _("Politician")
    SYSADMIN = "sysadmin", _("System administrator")
    DPO = "dpo", _("Data protection officer")
    # The citizen herself, logged in with MitID in the portal (enplan.portal): reaches only
    # the portal, never a staff page or the API (enplan.portal.middleware).
    CITIZEN = "citizen", _("Citizen")


class User(AbstractUser):
    """A person who logs in. What they may see follows from `role` and, for professionals,
    from the care networks their `professional` profile belongs to."""

    role = models.CharField(_("role"), max_length=20, choices=Role, default=Role.PROFESSIONAL)
    # The subject ("sub") the OpenID Connect provider (MitID Erhverv) gives this person. Set by
    # an administrator (or linked once by a verified e-mail, if allowed); a log-in through the
    # provider is accepted only for a user carrying the subject, never by creating a user.
    oidc_subject = models.CharField(
        _("MitID Erhverv subject"), max_length=255, unique=True, null=True, blank=True
    )
    # When an administrator last changed the e-mail address: no password-reset link goes to a
    # freshly changed address for a while (see accounts.passwords).
    email_changed_at = models.DateTimeField(null=True, blank=True, editable=False)

    @property
    def is_professional(self) -> bool:
        return self.role == Role.PROFESSIONAL

    @property
    def professional_or_none(self):
        """The professional profile with its organisation, fetched in one query and kept on
        the user: nearly every request needs both (access, audit, consent, two-factor)."""
        cache = self._state.fields_cache
        if "professional" not in cache:
            # Through the reverse relation, not an import: organisations sits above accounts.
            professional_model = self._meta.get_field("professional").related_model
            professional = None
            if self.pk is not None:
                professional = (
                    professional_model.objects.select_related("organisation")
                    .filter(user=self)
                    .first()
                )
            if professional is not None:
                professional._state.fields_cache["user"] = self
            cache["professional"] = professional
        return cache["professional"]


def _hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def authenticate(self, raw: str) -> User | None:
        token = (
            self.select_related("user")
            .filter(key_hash=_hash_token(raw), revoked_at__isnull=True, user__is_active=True)
            .first()
        )
        return token.user if token else None


class ApiToken(models.Model):
    """A personal API token. Only its hash is stored; the raw token is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    def __str__(self) -> str:
        return self.name

    @classmethod
    def issue(cls, user: User, name: str) -> tuple["ApiToken", str]:
        raw = "enp_" + secrets.token_urlsafe(32)
        return cls.objects.create(user=user, name=name, key_hash=_hash_token(raw)), raw

    def revoke(self) -> None:
        self.revoked_at = timezone.now()
        self.save(update_fields=["revoked_at"])
