"""The one entrance to citizens' data: which citizens a user may see, and the audit of each look.

Every query that lists or fetches citizens' data goes through `visible_citizen_ids`, via
`Citizen.objects.visible_to(user)` or `CitizenOwnedQuerySet.visible_to(user)`. A professional
sees a citizen while an active member of the citizen's care network. Managers, politicians,
data protection officers and system administrators never get individual citizens.
The rule itself is `enplan.network.access.visible_citizen_ids` (network owns the memberships);
the network app installs it into core's seam (`enplan.core.scope`) at start-up, so the base
queryset of every citizen-owned model applies it without `core` or `citizens` importing upward.
What of a visible citizen's information crosses organisations is decided on top of this by
`enplan.consent.policy`; it never widens this set.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.http import Http404
from django.utils.translation import gettext as _

from enplan.accounts.models import Role
from enplan.audit.models import Action
from enplan.audit.services import record
from enplan.core.scope import visible_citizen_ids

__all__ = ["get_visible_citizen", "require_professional", "visible_citizen_ids"]


def require_professional(user) -> None:
    if getattr(user, "is_authenticated", False) and user.role != Role.PROFESSIONAL:
        raise PermissionDenied(
            _("Managers and politicians see aggregates only, never an individual citizen.")
        )


def get_visible_citizen(user, citizen_uuid, obj_type: str = "citizen", action: str = Action.READ):
    """Fetch one citizen by public id and audit the access as `action` on `obj_type`.

    Outside the user's networks the answer is 404 whether or not the citizen exists, so
    nothing about existence leaks; the refused attempt is audited against the citizen if
    there is one. Roles that only see aggregates get 403, also audited.
    """
    from enplan.citizens.models import Citizen

    try:
        citizen = (
            Citizen.objects.filter(uuid=citizen_uuid)
            .select_related("plan")  # nearly every caller shows or changes the plan next
            .annotate(
                visible=ExpressionWrapper(
                    Q(id__in=visible_citizen_ids(user)), output_field=BooleanField()
                )
            )
            .first()
        )
    except (ValidationError, ValueError, TypeError):  # a malformed id matches no one
        citizen = None
    try:
        require_professional(user)
    except PermissionDenied:
        if citizen is not None:
            record(user, citizen, Action.REFUSED, (obj_type, str(citizen.uuid)), reason="role")
        raise
    if citizen is None or not citizen.visible:
        if citizen is not None:
            record(user, citizen, Action.REFUSED, (obj_type, str(citizen.uuid)), reason="network")
        raise Http404(_("No such citizen in your networks."))
    record(user, citizen, action, (obj_type, str(citizen.uuid)))
    return citizen
