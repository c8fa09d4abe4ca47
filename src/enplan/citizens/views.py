"""The citizen's own pages: details, contacts, the access log. The overview, the caseload and
registering a citizen compose other contexts and live in `enplan.caseload`."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from enplan.audit.models import Action
from enplan.audit.services import accesses_to, record
from enplan.core.models import organisation_id_of
from enplan.core.views import form_page

from .access import get_visible_citizen
from .forms import CitizenForm, ContactForm


@login_required
def citizen_edit(request, citizen_uuid):
    citizen = get_visible_citizen(request.user, citizen_uuid)
    form = CitizenForm(request.POST or None, instance=citizen)
    if request.method == "POST" and form.is_valid():
        form.save()
        record(request.user, citizen, Action.UPDATE, citizen, fields=form.changed_data)
        messages.success(request, _("The citizen's details are saved."))
        return redirect("citizens:overview", citizen.uuid)
    return form_page(
        request,
        form,
        title=_("Edit details"),
        action=reverse("citizens:edit", args=[citizen.uuid]),
        citizen=citizen,
        cancel_url=reverse("citizens:overview", args=[citizen.uuid]),
    )


@login_required
@require_POST
def contact_new(request, citizen_uuid):
    citizen = get_visible_citizen(request.user, citizen_uuid)
    form = ContactForm(request.POST)
    if form.is_valid():
        contact = form.save(commit=False)
        contact.citizen = citizen
        contact.registered_by = request.user
        contact.origin_id = organisation_id_of(request.user)
        contact.save()
        record(request.user, citizen, Action.CREATE, contact)
        messages.success(request, _("The contact is registered."))
        return redirect("citizens:overview", citizen.uuid)
    return form_page(
        request,
        form,
        title=_("Register contact"),
        action=reverse("citizens:contact_new", args=[citizen.uuid]),
        citizen=citizen,
        cancel_url=reverse("citizens:overview", args=[citizen.uuid]),
    )


@login_required
def access_log(request, citizen_uuid):
    """Who has looked at or changed this citizen's data – the list the citizen is entitled to."""
    citizen = get_visible_citizen(request.user, citizen_uuid, "access_log")
    page = Paginator(accesses_to(citizen.uuid), 50).get_page(request.GET.get("page"))
    return render(
        request, "citizens/access_log.html", {"citizen": citizen, "page": page, "tab": "log"}
    )
