"""The citizen's own entrance to her data: the portal's one scope.

A user of role `citizen` is linked (`CitizenLogin`) to exactly one citizen, and every portal
page fetches that citizen through `own_citizen`, never by an id from the URL: there is no
address at which citizen A could ask for citizen B. She sees everything about herself,
whatever the sharing policy hides between organisations (the policy governs what crosses
organisations, not what the person herself may know). The staff scope
(`enplan.network.access.visible_citizen_ids`) gives a citizen user no one, and
`enplan.portal.middleware` keeps her out of every staff page and the API.
"""

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext as _

from enplan.accounts.models import Role
from enplan.audit.models import Action
from enplan.audit.services import record
from enplan.citizens.models import Citizen

SESSION_KEY = "enplan_portal_citizen"  # set at a MitID log-in: marks a citizen session


def is_citizen_user(user) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.role == Role.CITIZEN


def is_the_citizen(user, citizen, *_args) -> bool:
    """The CITIZEN actor kind: `user` is the citizen herself."""
    if not is_citizen_user(user) or citizen is None or not user.is_active:
        return False
    cache = user._state.fields_cache
    if "enplan_citizen_id" not in cache:
        from .models import CitizenLogin

        cache["enplan_citizen_id"] = (
            CitizenLogin.objects.filter(user=user).values_list("citizen_id", flat=True).first()
        )
    return cache["enplan_citizen_id"] == citizen.pk


def own_citizen(request: HttpRequest, part: str = "portal", action: str = Action.READ) -> Citizen:
    """The logged-in citizen herself (with her plan); the look is audited as hers."""
    user = request.user
    if not is_citizen_user(user):
        raise PermissionDenied(_("This page is for the citizen herself, logged in with MitID."))
    citizen = (
        Citizen.objects.filter(portal_login__user=user).select_related("plan").first()
        if request.session.get(SESSION_KEY)
        else None
    )
    if citizen is None:
        raise PermissionDenied(_("This page is for the citizen herself, logged in with MitID."))
    record(user, citizen, action, (part, str(citizen.uuid)))
    return citizen
