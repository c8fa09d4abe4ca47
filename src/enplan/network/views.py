from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from enplan.citizens.access import get_visible_citizen
from enplan.core.actions import performs
from enplan.core.views import form_page

from . import services
from .actions import ADD_MEMBER, HAND_OVER, LEAVE, REMOVE_MEMBER
from .forms import HandoverForm, MemberForm
from .models import NetworkMembership, NetworkRole
from .permissions import refusal_message


@login_required
@performs(ADD_MEMBER)
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


def _confirm_texts(membership) -> dict:
    if membership.is_mine:
        return {
            "question": _("Leave the citizen's network?"),
            "consequence": _(
                "You will no longer see the citizen, the plan or the messages about them."
            ),
            "confirm_label": _("Yes, leave the network"),
        }
    return {
        "question": _("Remove %(member)s from the network?") % {"member": membership},
        "consequence": _(
            "They will no longer see the citizen, the plan or the messages about them. "
            "They can be added again later."
        ),
        "confirm_label": _("Yes, remove"),
    }


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@performs(REMOVE_MEMBER, LEAVE)
def member_end(request, citizen_uuid, membership_uuid):
    """GET asks first (a page, or in place with htmx); POST ends the membership."""
    citizen = get_visible_citizen(request.user, citizen_uuid, "network")
    membership = get_object_or_404(
        NetworkMembership.objects.visible_to(request.user).select_related(
            "professional", "organisation"
        ),
        citizen=citizen,
        uuid=membership_uuid,
    )
    membership.citizen = citizen
    if request.method != "POST":
        services.mark_endable(request.user, citizen, [membership])
        ctx = {"citizen": citizen, "m": membership}
        if request.htmx and request.GET.get("cancel"):
            return render(request, "network/_member.html", ctx)
        if membership.role == NetworkRole.COORDINATOR and membership.ended_at is None:
            raise PermissionDenied(
                _("The coordinating caseworker cannot simply leave: hand the citizen over.")
            )
        if not membership.can_end:
            action = LEAVE if membership.is_mine else REMOVE_MEMBER
            raise PermissionDenied(refusal_message(action))
        ctx |= _confirm_texts(membership)
        if request.htmx:
            return render(request, "network/_confirm_end.html", ctx)
        return render(request, "network/confirm_end.html", ctx)
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
@performs(HAND_OVER)
def handover(request, citizen_uuid):
    citizen = get_visible_citizen(request.user, citizen_uuid, "network")
    if request.method != "POST" and not services.can_hand_over(request.user, citizen):
        raise PermissionDenied(refusal_message(HAND_OVER))  # a POST is refused (and audited)
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
