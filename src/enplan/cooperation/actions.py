"""Write actions on cooperation agreements. An agreement is between organisations and holds no
citizen's data, so any professional of a party may write one (enforced in `services`)."""

from django.utils.translation import gettext_lazy as _

from enplan.core.actions import Actor, declare

WRITE_AGREEMENT = declare(
    "cooperation.write_agreement",
    _("Write a cooperation agreement between your organisation and partner organisations"),
    Actor.PROFESSIONAL,
)
