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
