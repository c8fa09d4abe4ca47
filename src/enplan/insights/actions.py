"""Write actions of insights. None of them touches a citizen's case: a manager opens and
closes a relational coordination survey round; a professional answers one."""

from django.utils.translation import gettext_lazy as _

from enplan.core.actions import Actor, declare

OPEN_ROUND = declare(
    "insights.open_round",
    _("Open a relational coordination survey round for your organisation and its partners"),
    Actor.MANAGER,
)
CLOSE_ROUND = declare(
    "insights.close_round",
    _("Close a relational coordination survey round your organisation opened"),
    Actor.MANAGER,
)
ANSWER_ROUND = declare(
    "insights.answer_round",
    _("Answer a relational coordination survey round once, anonymously"),
    Actor.PROFESSIONAL,
)
