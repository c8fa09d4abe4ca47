"""The PDF of a GDPR export, written for the citizen: what enplan holds about you, under
plain headings, with Danish (or English) labels and times in Danish local time.

Known models get a section each, with the fields a person cares about; any other model that
refers to the citizen (see `graph.citizen_paths`) still gets a section, with its labelled
fields, so nothing is left out of the readable version either. Technical records (message
delivery, receipts) are summarised; the JSON file holds every column.
"""

import datetime
from collections import defaultdict

from django.db import models
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy

from enplan.audit.models import Action, AuditEntry
from enplan.citizens.models import Citizen, Language
from enplan.plans.snapshots import ACTIVITY_FIELDS, GOAL_FIELDS

from .graph import citizen_owned_models, is_link_table, rows_of

# Fields whose model gives no label of its own (or only a technical one).
LABELS = {
    "registered_by": pgettext_lazy("gdpr export", "registered by"),
    "origin": pgettext_lazy("gdpr export", "registered by organisation"),
    "handed_over_at": pgettext_lazy("gdpr export", "handed over"),
    "handed_over_by": pgettext_lazy("gdpr export", "handed over by"),
    "from_professional": pgettext_lazy("gdpr export", "from"),
    "to_professional": pgettext_lazy("gdpr export", "to"),
    "recorded_by": pgettext_lazy("gdpr export", "recorded by"),
    "withdrawn_by": pgettext_lazy("gdpr export", "withdrawn by"),
    "author": pgettext_lazy("gdpr export", "by"),
    "change": pgettext_lazy("gdpr export", "what changed"),
    "number": pgettext_lazy("gdpr export", "version"),
    "subject": pgettext_lazy("gdpr export", "about"),
    "text": pgettext_lazy("gdpr export", "text"),
    "created_at": pgettext_lazy("gdpr export", "registered"),
    "ready_signalled_at": pgettext_lazy("gdpr export", "ready signalled"),
}

# (model label, heading, fields) in the order a citizen reads them.
SECTIONS = [
    (
        "plans.goal",
        gettext_lazy("Your sub-goals"),
        list(GOAL_FIELDS),
    ),
    (
        "plans.activity",
        gettext_lazy("Activities in your plan"),
        list(ACTIVITY_FIELDS),
    ),
    (
        "plans.track",
        gettext_lazy("Tracks"),
        ["kind", "status", "summary", "ready_for_next_step", "ready_note"],
    ),
    (
        "courses.course",
        gettext_lazy("Your courses"),
        [
            "target_group",
            "starts_on",
            "ends_on",
            "state",
            "employment_outcome",
            "substance_outcome",
            "outcome_note",
        ],
    ),
    (
        "network.networkmembership",
        gettext_lazy("The people who work with you (your network)"),
        ["professional", "organisation", "role", "note", "started_at", "ended_at"],
    ),
    (
        "network.handover",
        gettext_lazy("Handovers between caseworkers"),
        ["from_professional", "to_professional", "handed_over_at", "note"],
    ),
    (
        "consent.consent",
        gettext_lazy("Your consents"),
        [
            "recipient_organisation",
            "recipient_sector",
            "categories",
            "purpose",
            "valid_from",
            "valid_to",
            "given_how",
            "withdrawn_at",
            "withdrawal_note",
        ],
    ),
    (
        "citizens.contact",
        gettext_lazy("Contacts with you"),
        ["at", "kind", "summary", "registered_by"],
    ),
    (
        "citizens.citizenidentifier",
        gettext_lazy("Other numbers you are known by"),
        ["system", "issuer", "value"],
    ),
    (
        "plans.planversion",
        gettext_lazy("History of your plan"),
        ["number", "created_at", "author", "change", "subject"],
    ),
]
# Shown in their own way (plan, messages) or only counted (delivery records).
SPECIAL = {"plans.plan", "messaging.thread", "messaging.message", "messaging.segment"}
TECHNICAL = {"messaging.receipt", "messaging.outboxentry", "messaging.threadread"}
PLAN_FIELDS = [
    "final_goal",
    "area_future",
    "area_everyday",
    "area_health",
    "area_psychiatry",
    "area_jobcenter",
    "mentor_role",
    "support_contact_role",
    "followup_at",
    "followup_place",
    "followup_with",
]
CITIZEN_FIELDS = [
    "given_name",
    "family_name",
    "cpr",
    "birth_date",
    "municipality_code",
    "phone",
    "preferred_language",
    "needs_interpreter",
    "interpreter_language",
    "interpreter_dialect",
    "communication_preferences",
]
# Technical columns never shown to a person; the JSON has them.
HIDDEN = {"id", "uuid", "citizen", "municipality_code", "plan", "version", "updated_at"}


def local(value) -> str:
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).strftime("%d.%m.%Y %H:%M")
    if isinstance(value, datetime.date):
        return value.strftime("%d.%m.%Y")
    return ""


def label(f: models.Field) -> str:
    return capfirst(str(LABELS.get(f.name, f.verbose_name)))


def display(obj: models.Model, f: models.Field) -> str:
    """The value of one field as a person reads it (never a dict or a raw choice)."""
    if f.is_relation:
        related = getattr(obj, f.name)
        return str(related) if related is not None else ""
    value = getattr(obj, f.attname)
    if value is None or value == "":
        return ""
    if f.choices:
        choices = dict(f.flatchoices)
        if isinstance(value, list):
            return ", ".join(str(choices.get(v, v)) for v in value)
        return str(choices.get(value, value))
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, datetime.date):
        return local(value)
    if isinstance(value, list):
        return ", ".join(str(_choice_label(f, v)) for v in value)
    if isinstance(value, dict | bytes | memoryview):
        return ""
    if f.name == "cpr":
        return f"{value[:6]}-{value[6:]}"
    return str(value)


def _choice_label(f: models.Field, value):
    base = getattr(f, "base_field", None)
    if base is not None and base.choices:
        return dict(base.flatchoices).get(value, value)
    return value


def _pairs(obj: models.Model, names: list[str]) -> list[tuple[str, str]]:
    pairs = []
    for name in names:
        f = obj._meta.get_field(name)
        value = display(obj, f)
        if value:
            pairs.append((label(f), value))
    return pairs


def _generic_fields(model: type[models.Model]) -> list[str]:
    """Fields of an unknown model a person can read: labelled, not technical."""
    return [
        f.name
        for f in model._meta.concrete_fields
        if f.name not in HIDDEN
        and not f.primary_key
        and not isinstance(f, models.JSONField | models.BinaryField | models.UUIDField)
        and (f.name in LABELS or str(f.verbose_name) != f.name.replace("_", " "))
    ]


def _messages(citizen: Citizen, models_by_label: dict) -> list[dict]:
    threads = list(rows_of(models_by_label["messaging.thread"], citizen))
    by_thread = defaultdict(list)
    for segment in rows_of(models_by_label["messaging.segment"], citizen).order_by("timestamp"):
        by_thread[segment.thread_id].append(segment)
    return [
        {
            "topic": t.topic or t.get_category_display(),
            "pairs": _pairs(t, ["partner", "organisation", "category", "last_message_at"]),
            "segments": [
                {
                    "when": local(s.timestamp),
                    "who": ", ".join(p for p in (s.author_name, s.author_role) if p)
                    or str(s.origin or ""),
                    "text": s.text,
                    "attachment": s.title if s.data or s.url else "",
                }
                for s in by_thread[t.pk]
            ],
        }
        for t in threads
    ]


AUDIT_OBJECTS = {
    "citizen": pgettext_lazy("gdpr export", "your details"),
    "plan": pgettext_lazy("gdpr export", "your plan"),
    "access_log": pgettext_lazy("gdpr export", "the list of who has seen your information"),
    "thread": pgettext_lazy("gdpr export", "a message"),
    "consent": pgettext_lazy("gdpr export", "a consent"),
}


def _audit_object(object_type: str) -> str:
    return str(AUDIT_OBJECTS.get(object_type) or pgettext("gdpr export", "information"))


def _audit(citizen: Citizen) -> list[tuple[str, str, str, str]]:
    actions = dict(Action.choices)
    return [
        (
            local(e.at),
            e.actor_name or (_("enplan (automatic)") if e.actor == "system" else e.actor),
            e.organisation,
            f"{actions.get(e.action, e.action)}: {_audit_object(e.object_type)}",
        )
        for e in AuditEntry.objects.filter(citizen_uuid=citizen.uuid).order_by("-id")
    ]


def context(citizen: Citizen) -> dict:
    owned = {m._meta.label_lower: m for m in citizen_owned_models()}
    sections = []
    for key, heading, fields in SECTIONS:
        if key in owned:
            items = [_pairs(o, fields) for o in rows_of(owned[key], citizen)]
            sections.append({"heading": heading, "items": [i for i in items if i]})
    for key, model in owned.items():
        known = {s[0] for s in SECTIONS} | SPECIAL | TECHNICAL
        if key not in known and not is_link_table(model):
            fields = _generic_fields(model)
            items = [_pairs(o, fields) for o in rows_of(model, citizen)]
            sections.append(
                {
                    "heading": capfirst(model._meta.verbose_name_plural),
                    "items": [i for i in items if i],
                }
            )
    technical = sum(
        rows_of(model, citizen).count()
        for key, model in owned.items()
        if key in TECHNICAL or is_link_table(model)
    )
    plan = rows_of(owned["plans.plan"], citizen).first() if "plans.plan" in owned else None
    return {
        "citizen": citizen,
        "about": _pairs(citizen, CITIZEN_FIELDS),
        "plan": _pairs(plan, PLAN_FIELDS) if plan else [],
        "sections": sections,
        "threads": _messages(citizen, owned) if "messaging.thread" in owned else [],
        "audit": _audit(citizen),
        "technical": technical,
        "exported_at": local(timezone.now()),
    }


def render_html(citizen: Citizen) -> str:
    language = "en" if citizen.preferred_language == Language.EN else "da"
    with translation.override(language):
        return render_to_string("gdpr/export.html", {**context(citizen), "lang": language})


def render_pdf(citizen: Citizen) -> bytes:
    from weasyprint import HTML

    return HTML(string=render_html(citizen)).write_pdf()


def attachments(citizen: Citizen) -> dict[str, bytes]:
    """Files attached to messages about the citizen, named so that a person can find them."""
    owned = {m._meta.label_lower: m for m in citizen_owned_models()}
    if "messaging.segment" not in owned:
        return {}
    files = {}
    for segment in rows_of(owned["messaging.segment"], citizen).exclude(data=None):
        name = "".join(c if c.isalnum() or c in "-_. " else "_" for c in segment.title)[:80]
        files[f"{segment.uuid}-{name or 'file'}"] = bytes(segment.data)
    return files
