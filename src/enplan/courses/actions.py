"""What can be changed about a citizen's courses (forløb), and by whom."""

from django.utils.translation import gettext_lazy as _

from enplan.core.actions import Actor, declare

ADD_COURSE = declare("courses.add", _("Register a course (forløb) for the citizen"), Actor.MEMBER)
EDIT_COURSE = declare(
    "courses.edit", _("Change a course (forløb) that is shared with you"), Actor.SHARED
)
