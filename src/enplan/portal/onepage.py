"""The one-page visual plan: one A4 page she can take home, in her language (WeasyPrint).

The same template prints from the browser (print stylesheet), so the caseworker can print it
with her from the staff plan page, and she can download it as a PDF from the portal."""

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpRequest
from django.template.loader import render_to_string

from . import services


def context(citizen, viewer=None) -> dict:
    """What the page shows. For the citizen herself: everything. Printed by a professional
    (`viewer`): only what the sharing policy lets her organisation see."""
    o = services.overview(citizen)
    if viewer is not None:
        from enplan.consent.policy import for_viewer

        policy = for_viewer(viewer, citizen)
        o.goals = [g for g in o.goals if policy.withheld_item(g) is None]
        o.now = [a for a in o.now if policy.withheld_item(a) is None]
        o.soon = [a for a in o.soon if policy.withheld_item(a) is None]
        o.final_goal = "" if o.plan.field_withheld(policy, "final_goal") else o.plan.final_goal
    else:
        o.final_goal = o.plan.final_goal
    return {"citizen": citizen, "o": o, "contacts": services.contacts(citizen)}


def her_language(citizen) -> str:
    """The citizen's preferred language when the portal speaks it, else Danish."""
    codes = {code for code, _name in settings.PORTAL_LANGUAGES}
    return citizen.preferred_language if citizen.preferred_language in codes else "da"


def onepage_html(
    request: HttpRequest | None, citizen, *, for_pdf: bool = False, viewer=None
) -> str:
    return render_to_string(
        "portal/onepage.html",
        {**context(citizen, viewer), "for_pdf": for_pdf},
        request=request,
    )


def onepage_pdf(request: HttpRequest | None, citizen, viewer=None) -> bytes:
    from weasyprint import CSS, HTML

    stylesheet = finders.find("portal/onepage.css")
    html = onepage_html(request, citizen, for_pdf=True, viewer=viewer)
    return HTML(string=html).write_pdf(stylesheets=[CSS(filename=stylesheet)])
