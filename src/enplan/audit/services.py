"""Recording accesses. `record` is called by the access layer (reads, refusals) and by the
domain services (writes); nothing else writes audit rows."""

from collections.abc import Iterable

from enplan.audit.context import current

from .models import Action, AuditEntry


def _who(user) -> dict:
    if user is None or not getattr(user, "is_authenticated", False):
        return dict(user_id=None, actor="system", actor_name="", organisation="", role="")
    professional = getattr(user, "professional_or_none", None)
    return {
        "user_id": user.pk,
        "actor": user.get_username(),
        "actor_name": user.get_full_name(),
        "organisation": professional.organisation.name if professional else "",
        "role": user.role + (f"/{professional.get_profession_display()}" if professional else ""),
    }


def _object(obj) -> tuple[str, str]:
    if obj is None:
        return "", ""
    if isinstance(obj, tuple):
        return obj
    return obj._meta.model_name, str(getattr(obj, "uuid", obj.pk))


def record(user, citizen, action: str, obj=None, **extra) -> AuditEntry:
    """Append one row: `user` did `action` on `obj` (a model instance or a (type, id) pair)
    belonging to `citizen`."""
    object_type, object_id = _object(obj if obj is not None else citizen)
    return AuditEntry.objects.create(
        **_who(user),
        citizen_uuid=getattr(citizen, "uuid", None),
        municipality_code=getattr(citizen, "municipality_code", "") or "",
        object_type=object_type or "citizen",
        object_id=object_id,
        action=action,
        context={**current(), **extra},
    )


def record_list(user, citizens: Iterable, object_type: str = "citizen") -> None:
    """One row per citizen shown in a list: each of them can later see that they were seen."""
    who, ctx = _who(user), current()
    AuditEntry.objects.bulk_create(
        [
            AuditEntry(
                **who,
                citizen_uuid=c.uuid,
                municipality_code=c.municipality_code,
                object_type=object_type,
                object_id=str(c.uuid),
                action=Action.LIST,
                context=ctx,
            )
            for c in citizens
        ]
    )


def accesses_to(citizen_uuid):
    """The citizen-facing view: who has looked at or changed my data, newest first."""
    return AuditEntry.objects.filter(citizen_uuid=citizen_uuid).order_by("-at", "-id")
