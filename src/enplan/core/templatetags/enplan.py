from django import template

from enplan.core import labels

register = template.Library()


@register.filter
def choice_label(value: str | None, kind: str) -> str:
    """The translated label of a raw choice value from an annotation (kinds: core/labels.py)."""
    return labels.choice_label(value, kind)
