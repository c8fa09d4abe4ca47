"""Write actions on cooperation agreements. An agreement is between organisations and holds no
citizen's data, so any professional of a party may write one (enforced in `services`)."""

from django.utils.translation import gettext_lazy as _

from enplan.core.actions import Actor, declare

WRITE_AGREEMENT = declare(
    "cooperation.write_agreement",
    _("Write a cooperation agreement between your organisation and partner organisations"),
    Actor.PROFESSIONAL,
)
VERIFY_DIRECTORY = declare(
    "cooperation.verify_directory",
    _("Confirm that your organisation's entry in the directory is up to date"),
    Actor.PROFESSIONAL,
)
REQUEST_CALLBACK = declare(
    "cooperation.request_callback",
    _("Ask a person or organisation to call back, with a topic and a deadline"),
    Actor.PROFESSIONAL,
)
CLOSE_CALLBACK = declare(
    "cooperation.close_callback",
    _("Mark a callback asked of your organisation as done"),
    Actor.PROFESSIONAL,
)
WRITE_OFFER = declare(
    "cooperation.write_offer",
    _("Describe an offer of your organisation in the offers catalogue"),
    Actor.PROFESSIONAL,
)
LINK_OFFER = declare(
    "cooperation.link_offer",
    _("Point an activity that is shared with you at an offer in the catalogue"),
    Actor.SHARED,
)
