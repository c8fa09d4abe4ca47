from django import template

from enplan.courses.models import TargetGroup
from enplan.network.models import NetworkRole

register = template.Library()

_CHOICES = {"network_role": NetworkRole, "target_group": TargetGroup}


@register.filter
def choice_label(value: str | None, kind: str) -> str:
    """The translated label of a raw choice value from an annotation."""
    if not value:
        return "–"
    try:
        return str(_CHOICES[kind](value).label)
    except ValueError:
        return value
