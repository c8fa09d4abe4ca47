"""The seam through which every query for citizens' data is scoped to a user.

`core` is the ground floor and imports no other enplan app, yet the base queryset of every
citizen-owned model (`core.models.CitizenOwnedQuerySet.visible_to`) must apply the access
rule. So core holds only the hook: the app that owns the rule registers it when the app
registry is ready (`enplan.network.apps`: a professional sees a citizen while an active member
of the citizen's care network). Callers go through `enplan.citizens.access` or `visible_to`.
"""

from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured
from django.db.models import QuerySet

CitizenScope = Callable[[object], QuerySet]

_scope: CitizenScope | None = None


def register(scope: CitizenScope) -> None:
    """Install the rule: `scope(user)` returns a `values("citizen_id")`-style queryset of the
    ids of the citizens the user may see. One rule only: a second, different one is a bug."""
    global _scope
    if _scope is not None and _scope is not scope:
        raise ImproperlyConfigured("A citizen access scope is already registered.")
    _scope = scope


def visible_citizen_ids(user) -> QuerySet:
    """The ids of the citizens `user` may see, as a subquery (never evaluated here)."""
    if _scope is None:
        raise ImproperlyConfigured(
            "No citizen access scope is registered: is enplan.network in INSTALLED_APPS?"
        )
    return _scope(user)
