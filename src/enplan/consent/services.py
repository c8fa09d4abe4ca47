"""Giving and withdrawing consent. Both are audited; withdrawal takes effect at once because
the sharing policy reads consents fresh for every request."""

from django.db import transaction
from django.utils import timezone

from enplan.audit.models import Action
from enplan.audit.services import record

from .models import Consent


@transaction.atomic
def give(citizen, actor, consent: Consent) -> Consent:
    consent.citizen = citizen
    consent.recorded_by = actor
    consent.full_clean(exclude=["citizen"])
    consent.save()
    record(actor, citizen, Action.CREATE, consent, categories=consent.categories)
    return consent


@transaction.atomic
def withdraw(consent: Consent, actor, note: str = "") -> Consent:
    if consent.withdrawn_at is None:
        consent.withdrawn_at = timezone.now()
        consent.withdrawn_by = actor
        consent.withdrawal_note = note
        consent.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawal_note"])
        record(actor, consent.citizen, Action.UPDATE, consent, change="withdrawn")
    return consent
