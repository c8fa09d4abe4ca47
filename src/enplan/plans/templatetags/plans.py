import datetime

from django import template
from django.utils import timezone
from django.utils.html import format_html

register = template.Library()


@register.simple_tag(takes_context=True)
def edit_link(
    context, url: str, label: str, target: str = "closest .item", swap: str = "innerHTML"
):
    """A link to an edit form that htmx loads in place, carrying the plan version the viewer
    saw (so a change made meanwhile is caught). A tag rather than an include: the plan page
    has two per goal and activity. The form goes *inside* the item, so a list item stays a
    list item (a <div> straight in a <ul> is invalid markup that screen readers stumble on)."""
    href = f"{url}?version={context['plan'].version}"
    return format_html(
        '<a class="edit" href="{0}" hx-get="{0}" hx-target="{1}" hx-swap="{2}">{3}</a>',
        href,
        target,
        swap,
        label,
    )


@register.filter
def in_past(moment) -> bool:
    """True for a date or time before now (a follow-up that should have happened)."""
    if moment is None:
        return False
    if isinstance(moment, datetime.datetime):
        return moment < timezone.now()
    return moment < timezone.localdate()
