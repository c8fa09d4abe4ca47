"""The access rule: a professional sees a citizen while an active member of the citizen's
care network; every other role sees no individual citizen.

Installed into core's seam (`enplan.core.scope`) by `NetworkConfig.ready()`; read it through
`enplan.citizens.access` or `visible_to(user)`, never directly.
"""

from django.db.models import QuerySet

from enplan.accounts.models import Role


def visible_citizen_ids(user) -> QuerySet:
    from enplan.citizens.models import Citizen

    from .models import NetworkMembership

    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Citizen.objects.none().values("id")
    if user.role != Role.PROFESSIONAL:
        return Citizen.objects.none().values("id")
    return NetworkMembership.objects.active().filter(professional__user=user).values("citizen_id")
