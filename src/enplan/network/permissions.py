"""Who may CHANGE a citizen's case: the one check every write goes through.

Each write action is declared once in its app's `actions.py` (`enplan.core.actions.declare`)
with the kinds of actor allowed to perform it. A service calls
`require(user, ACTION, citizen, ...)` before it changes anything; a template or view asks
`can(...)` to decide whether to offer a button at all. The kinds a user is, for one citizen:

- COORDINATOR – the user is the citizen's active koordinerende sagsbehandler;
- MEMBER      – the user is an active member of the citizen's care network;
- ORIGIN      – a member whose organisation is `origin_id` (it wrote the item), or whose
                sector is `origin_sector`;
- DISCLOSER   – the same test, read as "the organisation that discloses" (consent's from side);
- SELF        – `membership` is the user's own;
- SHARED      – a member who may see the item (`category` from `origin_id`) under the consent
                policy; resolved by a function the consent-aware app registers
                (`register_kind`), so that the network does not import consent;
- CITIZEN     – the citizen herself: reserved for the citizen portal (`citizen_link`);
- PROFESSIONAL – any professional: only for writes outside a case (registering a citizen, the
                organisation's own settings); `citizen` is None for those;
- INTEGRATION – a message integration's credential, never a person (the receipt endpoint
                authenticates those itself);
- MANAGER     – a manager, only for writes outside a case (a survey round in insights).

Being outside the network, or a manager, politician, DPO or system administrator, gives no
kind at all: such a user may change nothing in a citizen's case. Every refusal is audited
with the action's code as reason. `user=None` is the system itself (management commands,
demo data, received messages), which is trusted and not checked.
"""

from collections.abc import Callable

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from enplan.audit.models import Action
from enplan.audit.services import record
from enplan.core.actions import Actor, WriteAction

from .models import NetworkMembership, NetworkRole

# For the refusal message: who each kind of actor is, in words.
KIND_LABELS = {
    Actor.COORDINATOR: gettext_lazy("the coordinating caseworker"),
    Actor.MEMBER: gettext_lazy("members of the citizen's network"),
    Actor.ORIGIN: gettext_lazy("the organisation the information comes from"),
    Actor.SELF: gettext_lazy("the person concerned"),
    Actor.DISCLOSER: gettext_lazy("the organisation that discloses the information"),
    Actor.SHARED: gettext_lazy("members the information is shared with"),
    Actor.CITIZEN: gettext_lazy("the citizen"),
    Actor.PROFESSIONAL: gettext_lazy("professionals"),
    Actor.INTEGRATION: gettext_lazy("message integrations"),
    Actor.MANAGER: gettext_lazy("managers"),
}

# kind -> resolver(user, citizen, origin_id, category) -> bool, registered by apps above the
# network (the consent app registers SHARED in its AppConfig.ready()).
_RESOLVERS: dict[str, Callable] = {}


def register_kind(kind: str, resolver: Callable) -> None:
    """Let an app above the network decide one kind (dependency inversion: no upward import)."""
    _RESOLVERS[kind] = resolver


def citizen_link(user, citizen) -> bool:
    """True when `user` is the citizen herself (a MitID log-in linked to this citizen), as
    the portal, which registers the CITIZEN kind, decides."""
    resolver = _RESOLVERS.get(Actor.CITIZEN)
    return resolver is not None and bool(resolver(user, citizen))


def _memberships(user, citizen) -> list[tuple[int, str, str]]:
    """(organisation id, sector, role) of each of the user's active memberships."""
    return list(
        NetworkMembership.objects.active()
        .filter(citizen=citizen, professional__user=user)
        .values_list("organisation_id", "organisation__sector", "role")
    )


def actor_kinds(
    user,
    citizen,
    *,
    origin_id: int | None = None,
    origin_sector: str | None = None,
    membership=None,
    category: str | None = None,
) -> set[str]:
    """The kinds of actor `user` is for `citizen` (and the item, origin or membership named)."""
    kinds: set[str] = set()
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return kinds
    if citizen is not None and citizen_link(user, citizen):
        kinds.add(Actor.CITIZEN)
    if citizen is None and getattr(user, "role", None) == "manager":
        kinds.add(Actor.MANAGER)  # writes outside any case only (enplan.insights)
    if not getattr(user, "is_professional", False) or user.professional_or_none is None:
        return kinds
    kinds.add(Actor.PROFESSIONAL)
    if citizen is None:
        return kinds
    rows = _memberships(user, citizen)
    if not rows:
        return kinds
    kinds.add(Actor.MEMBER)
    if any(role == NetworkRole.COORDINATOR for _org, _sector, role in rows):
        kinds.add(Actor.COORDINATOR)
    if (origin_id is not None and any(org == origin_id for org, _s, _r in rows)) or (
        origin_sector and any(sector == origin_sector for _o, sector, _r in rows)
    ):
        kinds.update((Actor.ORIGIN, Actor.DISCLOSER))
    if membership is not None:
        professional = membership.professional
        if professional is not None and professional.user_id == user.pk:
            kinds.add(Actor.SELF)
    # SHARED: what the member may see. Her own organisation's item, or one nobody wrote yet,
    # always; another organisation's only as the consent policy says.
    resolver = _RESOLVERS.get(Actor.SHARED)
    if origin_id is None or Actor.ORIGIN in kinds:
        kinds.add(Actor.SHARED)
    elif (
        category is not None
        and resolver is not None
        and resolver(user, citizen, origin_id, category)
    ):
        kinds.add(Actor.SHARED)
    return kinds


def can(
    user,
    action: WriteAction,
    citizen,
    *,
    origin_id: int | None = None,
    origin_sector: str | None = None,
    membership=None,
    category: str | None = None,
) -> bool:
    """May `user` perform `action` on `citizen`'s case (for the item named)? No audit: for
    offering buttons; the service still calls `require`."""
    if user is None:
        return True
    kinds = actor_kinds(
        user,
        citizen,
        origin_id=origin_id,
        origin_sector=origin_sector,
        membership=membership,
        category=category,
    )
    return bool(kinds & action.allowed)


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def refusal_message(action: WriteAction) -> str:
    who = ", ".join(str(KIND_LABELS[k]) for k in Actor.ALL if k in action.allowed)
    return _("You may not do this: %(action)s. Only %(who)s may.") % {
        "action": _lower_first(str(action.description).rstrip(".")),
        "who": who,
    }


def require(
    user,
    action: WriteAction,
    citizen,
    *,
    origin_id: int | None = None,
    origin_sector: str | None = None,
    membership=None,
    category: str | None = None,
) -> None:
    """Raise PermissionDenied (and audit the refusal) unless `user` may perform `action`.

    Call it before opening the write's transaction: inside one, the refusal's audit row
    would be rolled back with everything else."""
    if can(
        user,
        action,
        citizen,
        origin_id=origin_id,
        origin_sector=origin_sector,
        membership=membership,
        category=category,
    ):
        return
    if citizen is not None:
        record(user, citizen, Action.REFUSED, membership, reason=action.code)
    raise PermissionDenied(refusal_message(action))


# Who each kind is, in the table of actions (docs/actions.md).
KIND_NAMES = {
    Actor.COORDINATOR: "coordinator",
    Actor.MEMBER: "network member",
    Actor.ORIGIN: "its organisation",
    Actor.SELF: "the person herself",
    Actor.DISCLOSER: "disclosing organisation",
    Actor.SHARED: "member it is shared with",
    Actor.CITIZEN: "the citizen",
    Actor.PROFESSIONAL: "any professional",
    Actor.INTEGRATION: "message integration",
    Actor.MANAGER: "a manager (of her organisation)",
}


def declared_actions() -> dict[str, WriteAction]:
    """Every declared action: each app's `actions.py`, imported."""
    from django.utils.module_loading import autodiscover_modules

    from enplan.core.actions import REGISTRY

    autodiscover_modules("actions")
    return dict(sorted(REGISTRY.items()))


def _operations(callback) -> list:
    """The API operations behind a django-ninja URL (its view closes over the PathView)."""
    for cell in getattr(callback, "__closure__", None) or ():
        try:
            operations = getattr(cell.cell_contents, "operations", None)
        except ValueError:  # an empty cell
            continue
        if operations:
            return list(operations)
    return []


def performed_where() -> dict[str, list[str]]:
    """action code -> the pages (URL names) and API operations marked as performing it,
    found from the URL configuration (no import of the apps above the network)."""
    from django.urls import URLPattern, URLResolver, get_resolver

    from enplan.core.actions import actions_of

    where: dict[str, set[str]] = {}

    def walk(patterns, prefix="", namespace=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
                yield from walk(p.url_patterns, prefix + str(p.pattern), ns)
            elif isinstance(p, URLPattern):
                yield prefix + str(p.pattern), f"{namespace}{p.name}", p.callback

    for route, name, callback in walk(get_resolver().url_patterns):
        for action in actions_of(callback):
            where.setdefault(action.code, set()).add(f"page `{name}`")
        for op in _operations(callback):
            for action in actions_of(op.view_func):
                methods = "/".join(op.methods)
                where.setdefault(action.code, set()).add(f"API `{methods} /{route}`")
    return {code: sorted(places) for code, places in where.items()}


def action_table() -> str:
    """The declared actions as Markdown (English), for docs/actions.md."""
    where = performed_where()
    lines = [
        "# Who may change what: the declared write actions",
        "",
        "Generated by `python -m enplan list_actions` (or `manage.py list_actions`) from each",
        "app's `actions.py`; `tests/test_permissions.py` checks that this file is current.",
        "Every write is checked by `enplan.network.permissions.require` in its service, and",
        "`tests/test_access_matrix.py` calls every write below as every role.",
        "",
        "| Action | What it allows | Who may | Where |",
        "|---|---|---|---|",
    ]
    for code, action in declared_actions().items():
        who = ", ".join(KIND_NAMES[k] for k in Actor.ALL if k in action.allowed)
        places = "<br>".join(sorted(where.get(code, []))) or "–"
        lines.append(f"| `{code}` | {action.description} | {who} | {places} |")
    return "\n".join(lines) + "\n"
