from django import template

from enplan.accounts.start import start_url

register = template.Library()


@register.simple_tag(takes_context=True)
def start_page_url(context) -> str:
    """The current user's start page (see accounts.start)."""
    request = context.get("request")
    return start_url(getattr(request, "user", None))
