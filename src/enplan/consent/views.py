from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from enplan.citizens.access import get_visible_citizen

from . import services
from .forms import ConsentForm, WithdrawForm
from .models import Consent


@login_required
def consent_list(request, citizen_uuid):
    citizen = get_visible_citizen(request.user, citizen_uuid, "consent")
    form = ConsentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.give(citizen, request.user, form.save(commit=False))
        messages.success(request, _("The consent is recorded."))
        return redirect("citizens:consents", citizen.uuid)
    consents = citizen.consents.select_related(
        "recipient_organisation", "recorded_by", "withdrawn_by"
    )
    return render(
        request,
        "consent/consents.html",
        {"citizen": citizen, "consents": consents, "form": form, "tab": "consent"},
        status=422 if form.is_bound else 200,
    )


@login_required
@require_POST
def consent_withdraw(request, citizen_uuid, consent_uuid):
    citizen = get_visible_citizen(request.user, citizen_uuid, "consent")
    consent = get_object_or_404(
        Consent.objects.visible_to(request.user), citizen=citizen, uuid=consent_uuid
    )
    form = WithdrawForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    services.withdraw(consent, request.user, note)
    messages.success(request, _("The consent is withdrawn. It no longer applies."))
    return redirect("citizens:consents", citizen.uuid)
