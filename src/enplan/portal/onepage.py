"""The one-page visual plan: one A4 page she can take home, in her language (WeasyPrint).

The same template prints from the browser (print stylesheet), so the caseworker can print it
with her from the staff plan page, and she can download it as a PDF from the portal."""

from django.contrib.staticfiles import finders
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import translation

from . import services


def context(citizen) -> dict:
    return {
        "citizen": citizen,
        "o": services.overview(citizen),
        "contacts": services.contacts(citizen),
    }


def onepage_html(request: HttpRequest | None, citizen, *, for_pdf: bool = False) -> str:
    return render_to_string(
        "portal/onepage.html",
        {**context(citizen), "for_pdf": for_pdf, "LANGUAGE_BIDI": translation.get_language_bidi()},
        request=request,
    )


def onepage_pdf(request: HttpRequest | None, citizen) -> bytes:
    from weasyprint import CSS, HTML

    stylesheet = finders.find("portal/onepage.css")
    return HTML(string=onepage_html(request, citizen, for_pdf=True)).write_pdf(
        stylesheets=[CSS(filename=stylesheet)]
    )
