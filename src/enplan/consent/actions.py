"""Write actions on consents. A consent is the citizen's: it is recorded or withdrawn by the
side that discloses (a member whose organisation is the consent's "from" organisation or in
its "from" sector) or by the coordinating caseworker, later by the citizen herself in the
portal; never by the recipient for itself."""

from django.utils.translation import gettext_lazy as _

from enplan.core.actions import Actor, declare

RECORD = declare(
    "consent.record",
    _("Record the citizen's consent to share information from an organisation to another"),
    Actor.COORDINATOR,
    Actor.DISCLOSER,
    Actor.CITIZEN,
)
WITHDRAW = declare(
    "consent.withdraw",
    _("Record that the citizen withdraws a consent (it applies at once)"),
    Actor.COORDINATOR,
    Actor.DISCLOSER,
    Actor.CITIZEN,
)
