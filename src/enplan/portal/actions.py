"""Write actions of the citizen's portal that belong to no other app."""

from django.utils.translation import gettext_lazy as _

from enplan.core.actions import Actor, declare

WRITE_NOTE = declare(
    "portal.write_note",
    _("Write a note to the network in Min plan (the citizen herself)"),
    Actor.CITIZEN,
)
