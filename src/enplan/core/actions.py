"""Who may CHANGE a citizen's case: one declared list of write actions, one mechanism.

Reading is decided by `visible_to(user)` and the consent policy. Changing is decided here:
every state-changing operation on a citizen's case is a `WriteAction`, declared once in its
app's `actions.py` with a plain-language description and the kinds of actor that may do it.
The check itself lives with the network (it needs memberships), in
`enplan.network.permissions.require`; views and API operations name the action they perform
with `@performs(...)`, so the generated access matrix can find every write and test it for
every role and kind of member.

This module is the ground floor: it imports nothing from other enplan apps.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


class Actor:
    """Kinds of actor a write action can be allowed for. A user can be several at once."""

    COORDINATOR = "coordinator"  # the citizen's koordinerende sagsbehandler
    MEMBER = "member"  # any active member of the citizen's network
    ORIGIN = "origin"  # a member whose organisation wrote the item (its origin)
    SELF = "self"  # the membership, item or request concerned is the actor's own
    DISCLOSER = "discloser"  # a member whose organisation discloses (consent's "from" side)
    SHARED = "shared"  # a member who may see the item under the consent policy (or its origin)
    CITIZEN = "citizen"  # the citizen herself (portal)
    # Writes that belong to no citizen's case yet (registering one) or to the professional's
    # own organisation (its notification switches): any professional. Never for a case write.
    PROFESSIONAL = "professional"
    # A message integration (VANS/mailbox adapter, partner system) with its own credential:
    # never a person.
    INTEGRATION = "integration"
    # A manager, for writes that hold no citizen's data (opening a relational coordination
    # survey round for her organisation). Never for a case write.
    MANAGER = "manager"

    ALL = (
        COORDINATOR,
        MEMBER,
        ORIGIN,
        SELF,
        DISCLOSER,
        SHARED,
        CITIZEN,
        PROFESSIONAL,
        INTEGRATION,
        MANAGER,
    )


@dataclass(frozen=True)
class WriteAction:
    code: str  # "<app>.<verb>", e.g. "network.hand_over"
    description: str  # what it allows, for a person reading the list
    allowed: frozenset[str]  # Actor kinds that may perform it

    def __str__(self) -> str:
        return self.code


REGISTRY: dict[str, WriteAction] = {}


def declare(code: str, description: Any, *allowed: str) -> WriteAction:
    """Declare a write action (at import of an app's `actions.py`)."""
    unknown = set(allowed) - set(Actor.ALL)
    if unknown:
        raise ValueError(f"unknown actor kinds for {code}: {sorted(unknown)}")
    if code in REGISTRY and REGISTRY[code].allowed != frozenset(allowed):
        raise ValueError(f"write action {code} declared twice, differently")
    action = WriteAction(code, description, frozenset(allowed))
    REGISTRY[code] = action
    return action


def performs(*actions: WriteAction) -> Callable:
    """Mark a view or API operation with the write actions it performs (read by the access
    matrix; enforcement is the service's `require` call, not this marker)."""

    def mark(view: Callable) -> Callable:
        view.enplan_actions = tuple(getattr(view, "enplan_actions", ())) + actions
        return view

    return mark


def actions_of(view: Callable) -> tuple[WriteAction, ...]:
    """The write actions a view or API operation is marked with (through decorators that
    keep `__wrapped__`, such as login_required)."""
    while view is not None:
        found = getattr(view, "enplan_actions", None)
        if found:
            return tuple(found)
        view = getattr(view, "__wrapped__", None)
    return ()
