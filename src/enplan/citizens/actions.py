"""Write actions of the citizens app (see enplan.core.actions)."""

from django.utils.translation import gettext_lazy as _

from enplan.core.actions import Actor, declare

REQUEST_TO_JOIN = declare(
    "citizens.request_to_join",
    _("Ask to join a citizen's network (by registering a citizen enplan already knows)"),
    Actor.SELF,
)
DECIDE_JOIN_REQUEST = declare(
    "citizens.decide_join_request",
    _("Accept or decline a professional's request to join the network"),
    Actor.COORDINATOR,
)
