"""Write actions on meetings (enforced in `meetings.services`)."""

from django.utils.translation import gettext_lazy as _

from enplan.core.actions import Actor, declare

PLAN = declare(
    "meetings.plan",
    _("Plan a meeting about the citizen, change it or cancel it (invitations go out)"),
    Actor.COORDINATOR,
    Actor.MEMBER,
)
ADD_AGENDA_ITEM = declare(
    "meetings.add_agenda_item",
    _("Add an item to the agenda of a planned meeting"),
    Actor.COORDINATOR,
    Actor.MEMBER,
    Actor.CITIZEN,
)
WRITE_MINUTES = declare(
    "meetings.write_minutes",
    _("Record attendance, decisions and the citizen's check in draft minutes"),
    Actor.COORDINATOR,
    Actor.ORIGIN,
)
APPROVE_MINUTES = declare(
    "meetings.approve_minutes",
    _("Approve minutes (locks them) or start a corrected version"),
    Actor.COORDINATOR,
    Actor.ORIGIN,
)
DECISION_TO_PLAN = declare(
    "meetings.decision_to_plan",
    _("Turn a decision of the minutes into a plan activity or sub-goal"),
    Actor.COORDINATOR,
    Actor.ORIGIN,
)
SEND_MINUTES = declare(
    "meetings.send_minutes",
    _("Send approved minutes as CareCommunication to participants outside enplan"),
    Actor.COORDINATOR,
    Actor.ORIGIN,
)
COOPERATION = declare(
    "meetings.cooperation",
    _(
        "Plan a samarbejdsmøde between organisations (no citizen) or mark it as held "
        "(only its organisations)"
    ),
    Actor.PROFESSIONAL,
)
CITIZEN_CHECK = declare(
    "meetings.citizen_check",
    _("Answer the four-item check (1–5) after a held meeting (the citizen herself)"),
    Actor.CITIZEN,
)
CITIZEN_REQUEST = declare(
    "meetings.citizen_request",
    _(
        "Ask for an interpreter or another place for an upcoming meeting "
        "(the citizen herself, in Min plan)"
    ),
    Actor.CITIZEN,
)
ANSWER_REQUEST = declare(
    "meetings.answer_request",
    _(
        "Accept or decline the citizen's request for an interpreter or another place "
        "(the meeting's convener or the coordinating caseworker)"
    ),
    Actor.COORDINATOR,
    Actor.SELF,  # the convener: the meeting concerned is her own
)
