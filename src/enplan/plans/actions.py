"""What can be changed in the citizen's one shared plan, and by whom.

Every member writes in the shared plan. What another organisation wrote may be changed only
by a member it is shared with (its own organisation, or under the citizen's consent): what
you may not see, you cannot overwrite. Removing an item is for the organisation that wrote
it and for the koordinerende sagsbehandler, who holds the red thread of the plan.
"""

from django.utils.translation import gettext_lazy as _

from enplan.core.actions import Actor, declare

EDIT_PLAN = declare(
    "plans.edit_plan",
    _(
        "Write in the plan's own fields (final goal, conversation areas, roles, next "
        "follow-up); a field another organisation wrote only when it is shared with you"
    ),
    Actor.SHARED,
    Actor.CITIZEN,
)
ADD_GOAL = declare("plans.add_goal", _("Add a sub-goal (delmål) to the plan"), Actor.MEMBER)
EDIT_GOAL = declare("plans.edit_goal", _("Change a sub-goal that is shared with you"), Actor.SHARED)
REMOVE_GOAL = declare(
    "plans.remove_goal",
    _("Remove a sub-goal your organisation wrote (the coordinator: any sub-goal)"),
    Actor.ORIGIN,
    Actor.COORDINATOR,
)
ADD_ACTIVITY = declare("plans.add_activity", _("Add an activity to the plan"), Actor.MEMBER)
EDIT_ACTIVITY = declare(
    "plans.edit_activity", _("Change an activity that is shared with you"), Actor.SHARED
)
REMOVE_ACTIVITY = declare(
    "plans.remove_activity",
    _("Remove an activity your organisation wrote (the coordinator: any activity)"),
    Actor.ORIGIN,
    Actor.COORDINATOR,
)
EDIT_TRACK = declare(
    "plans.edit_track",
    _("Change a track (treatment, employment) that is shared with you, or signal readiness"),
    Actor.SHARED,
)
CITIZEN_VIEW = declare(
    "plans.citizen_view",
    _("Say whether an activity makes sense to the citizen (the citizen herself, in the portal)"),
    Actor.CITIZEN,
)
