"""The one place that decides which citizens a user may see.

Every query that lists or fetches citizens' data goes through `visible_citizen_ids`, via
`Citizen.objects.visible_to(user)` or `CitizenOwnedQuerySet.visible_to(user)`. A professional
sees a citizen while an active member of the citizen's care network. Managers, politicians and
system administrators never get individual citizens (they use aggregates only).
Consent (which categories of information cross organisations) is layered on top by the
consent policy; it never widens this set.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from enplan.accounts.models import Role


def visible_citizen_ids(user) -> QuerySet:
    from enplan.citizens.models import Citizen
    from enplan.network.models import NetworkMembership

    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Citizen.objects.none().values("id")
    if user.role != Role.PROFESSIONAL:
        return Citizen.objects.none().values("id")
    return NetworkMembership.objects.active().filter(professional__user=user).values("citizen_id")


def get_visible_citizen(user, citizen_uuid):
    """Fetch one citizen by public id, or 404 – the same answer whether the citizen does not
    exist or is outside the user's networks, so nothing about existence leaks."""
    from enplan.citizens.models import Citizen

    if getattr(user, "is_authenticated", False) and user.role != Role.PROFESSIONAL:
        raise PermissionDenied(_("Managers and politicians see aggregates only, never a citizen."))
    try:
        return Citizen.objects.visible_to(user).get(uuid=citizen_uuid)
    except (Citizen.DoesNotExist, ValueError, TypeError):
        raise Http404("No such citizen in your networks.") from None
