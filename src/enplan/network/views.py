from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from enplan.citizens.access import get_visible_citizen
from enplan.core.views import form_page

from . import services
from .forms import HandoverForm, MemberForm
from .models import NetworkMembership


@login_required
def member_add(request, citizen_uuid):
    citizen = get_visible_citizen(request.user, citizen_uuid, "network")
    form = MemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.add_member(citizen, request.user, **form.cleaned_data)
        except ValidationError as e:
            form.add_error(None, e)
        else:
            messages.success(request, _("Added to the network."))
            return redirect("citizens:overview", citizen.uuid)
    return form_page(
        request,
        form,
        title=_("Add to the network"),
        action=reverse("citizens:member_add", args=[citizen.uuid]),
        citizen=citizen,
        cancel_url=reverse("citizens:overview", args=[citizen.uuid]),
    )


@login_required
@require_POST
def member_end(request, citizen_uuid, membership_uuid):
    citizen = get_visible_citizen(request.user, citizen_uuid, "network")
    membership = get_object_or_404(
        NetworkMembership.objects.visible_to(request.user), citizen=citizen, uuid=membership_uuid
    )
    try:
        services.end_membership(membership, request.user)
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
    else:
        messages.success(request, _("%(member)s has left the network.") % {"member": membership})
    if membership.professional and membership.professional.user_id == request.user.pk:
        return redirect("citizens:caseload")
    return redirect("citizens:overview", citizen.uuid)


@login_required
def handover(request, citizen_uuid):
    citizen = get_visible_citizen(request.user, citizen_uuid, "network")
    form = HandoverForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.hand_over(citizen, request.user, **form.cleaned_data)
        except ValidationError as e:
            form.add_error(None, e)
        else:
            messages.success(request, _("The citizen has been handed over."))
            if not type(citizen).objects.visible_to(request.user).filter(pk=citizen.pk).exists():
                return redirect("citizens:caseload")
            return redirect("citizens:overview", citizen.uuid)
    return form_page(
        request,
        form,
        title=_("Hand over to a new coordinating caseworker"),
        action=reverse("citizens:handover", args=[citizen.uuid]),
        citizen=citizen,
        cancel_url=reverse("citizens:overview", args=[citizen.uuid]),
    )
