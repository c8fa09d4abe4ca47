"""Giving and withdrawing consent. Both are audited; withdrawal takes effect at once because
the sharing policy reads consents fresh for every request.

A consent is the citizen's. It is recorded (and withdrawn) by the side that discloses – a
member whose organisation is the consent's "from" organisation or in its "from" sector – or
by the coordinating caseworker; never by a recipient for itself (`consent.actions`).
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from enplan.audit.models import Action
from enplan.audit.services import record
from enplan.network.permissions import require

from .actions import RECORD, WITHDRAW
from .models import Consent, sniff_document


def disclosing_side(consent: Consent) -> dict:
    """The disclosing side, as the permission check reads it. A migrated "from any
    organisation" consent has no single discloser: only the coordinator may change it."""
    return {
        "origin_id": consent.source_organisation_id,
        "origin_sector": consent.source_sector or None,
    }


def check_document(content: bytes, name: str = "") -> str:
    """The type to store and serve an uploaded consent document as, decided by its bytes."""
    if len(content) > settings.ENPLAN_ATTACHMENT_MAX_BYTES:
        raise ValidationError(
            {
                "document": _("The document is too large: at most %(mb)s MB.")
                % {"mb": settings.ENPLAN_ATTACHMENT_MAX_BYTES // (1024 * 1024)}
            }
        )
    kind = sniff_document(content)
    if not kind:
        raise ValidationError({"document": _("Upload the document as a PDF, JPEG or PNG file.")})
    return kind


def give(
    citizen, actor, consent: Consent, document: bytes | None = None, document_name: str = ""
) -> Consent:
    """Record the citizen's consent. `valid_from` may not lie before today: a consent is
    never back-dated to cover what was shown before it was given. (The permission check runs
    before the transaction, so that the audit row of a refusal is kept.)"""
    consent.citizen = citizen
    consent.recorded_by = actor
    consent.source_any = False
    consent.needs_review = False
    consent.full_clean(exclude=["citizen", "document"])
    if consent.valid_from < timezone.localdate():
        raise ValidationError(
            {"valid_from": _("A consent applies from the day it is recorded, not earlier.")}
        )
    require(actor, RECORD, citizen, **disclosing_side(consent))
    if document:
        consent.document_type = check_document(document, document_name)
        consent.document = document
        consent.document_name = (document_name or "samtykke")[:200]
    with transaction.atomic():
        consent.save()
        record(
            actor,
            citizen,
            Action.CREATE,
            consent,
            categories=consent.categories,
            document=bool(document),
        )
    return consent


def withdraw(consent: Consent, actor, note: str = "") -> Consent:
    require(actor, WITHDRAW, consent.citizen, **disclosing_side(consent))
    with transaction.atomic():
        return _withdraw(consent, actor, note)


def _withdraw(consent: Consent, actor, note: str) -> Consent:
    if consent.withdrawn_at is None:
        consent.withdrawn_at = timezone.now()
        consent.withdrawn_by = actor
        consent.withdrawal_note = note
        consent.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawal_note"])
        record(actor, consent.citizen, Action.UPDATE, consent, change="withdrawn")
    return consent


def read_document(consent: Consent, actor) -> tuple[bytes, str, str]:
    """The stored document (content, type, file name); reading it is audited."""
    record(actor, consent.citizen, Action.READ, consent, part="document")
    return bytes(consent.document), consent.document_type, consent.document_name
