"""What can be changed in a citizen's care network, and by whom.

The koordinerende sagsbehandler holds the red thread: only she hands the citizen over or
removes others. Any member may bring a colleague from another organisation in (that is the
cooperation); anyone may leave by herself, except the coordinator, who hands over instead.
"""

from django.utils.translation import gettext_lazy as _

from enplan.core.actions import Actor, declare

ADD_MEMBER = declare(
    "network.add_member",
    _("Add a professional or an organisation to the citizen's care network"),
    Actor.MEMBER,
)
REMOVE_MEMBER = declare(
    "network.remove_member",
    _("Remove another member from the citizen's care network"),
    Actor.COORDINATOR,
)
LEAVE = declare(
    "network.leave",
    _("Leave the citizen's care network yourself"),
    Actor.SELF,
)
HAND_OVER = declare(
    "network.hand_over",
    _("Hand the citizen over to a new koordinerende sagsbehandler"),
    Actor.COORDINATOR,
)
