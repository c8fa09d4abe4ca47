"""What can be changed about a citizen herself, and by whom."""

from django.utils.translation import gettext_lazy as _

from enplan.core.actions import Actor, declare

REGISTER = declare(
    "citizens.register",
    _("Register a new citizen (you join the citizen's network, the citizen gets an empty plan)"),
    Actor.PROFESSIONAL,
)
EDIT_DETAILS = declare(
    "citizens.edit",
    _("Edit the citizen's details (name, phone, language, interpreter, preferences)"),
    Actor.MEMBER,
)
REGISTER_CONTACT = declare(
    "citizens.register_contact",
    _("Register a contact with the citizen (meeting, call, letter)"),
    Actor.MEMBER,
)
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
