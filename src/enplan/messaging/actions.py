"""What can be written in a citizen's correspondence, and by whom.

Message threads belong to an organisation (as its secure mail does): only members from the
organisation that holds a thread reply in it, forward it or attach it to a citizen. Whether a
message may go to a partner at all is the citizen's consent (checked by `sending`).
"""

from django.utils.translation import gettext_lazy as _

from enplan.core.actions import Actor, declare

WRITE = declare(
    "messaging.write",
    _("Write a new message about the citizen to an organisation in the network"),
    Actor.MEMBER,
)
REPLY = declare(
    "messaging.reply",
    _("Reply in a message thread your organisation holds"),
    Actor.ORIGIN,
)
FORWARD = declare(
    "messaging.forward",
    _("Forward a message thread your organisation holds to another organisation"),
    Actor.ORIGIN,
)
ATTACH = declare(
    "messaging.attach_triage",
    _("Attach a received, unidentified message to a citizen in your network"),
    Actor.ORIGIN,
)
NOTIFICATION_SETTINGS = declare(
    "messaging.notification_settings",
    _("Switch your organisation's systematic notifications on or off per partner"),
    Actor.PROFESSIONAL,
)
RECEIVE = declare(
    "messaging.receive",
    _("Receive a MedCom message from a partner system"),
    Actor.INTEGRATION,
)
