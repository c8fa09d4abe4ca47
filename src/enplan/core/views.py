"""Small view helpers shared by the bounded contexts."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def form_page(
    request: HttpRequest,
    form,
    *,
    title: str,
    action: str,
    citizen=None,
    cancel_url: str = "",
    submit_label: str = "",
) -> HttpResponse:
    """Render a form on its own page; a bound (hence invalid) form answers 422."""
    return render(
        request,
        "core/form_page.html",
        {
            "form": form,
            "title": title,
            "action": action,
            "citizen": citizen,
            "cancel_url": cancel_url,
            "submit_label": submit_label,
        },
        status=422 if form.is_bound else 200,
    )
