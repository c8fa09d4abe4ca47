from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from enplan.citizens.access import get_visible_citizen
from enplan.core.actions import performs
from enplan.network.permissions import can

from . import services
from .actions import RECORD, WITHDRAW
from .forms import ConsentForm, WithdrawForm
from .models import Consent


def _page(request, citizen, form, status: int):
    consents = list(
        citizen.consents.select_related(
            "source_organisation", "recipient_organisation", "recorded_by", "withdrawn_by"
        ).defer("document")
    )
    for c in consents:  # offer withdrawal only to those who may (the service checks again)
        c.may_withdraw = not c.withdrawn_at and can(
            request.user, WITHDRAW, citizen, **services.disclosing_side(c)
        )
    return render(
        request,
        "consent/consents.html",
        {
            "citizen": citizen,
            "consents": consents,
            "needs_review": any(c.needs_review and not c.withdrawn_at for c in consents),
            "form": form,
            "tab": "consent",
        },
        status=status,
    )


@login_required
@performs(RECORD)
def consent_list(request, citizen_uuid):
    citizen = get_visible_citizen(request.user, citizen_uuid, "consent")
    posted = request.method == "POST"  # an empty submit is still a submit
    form = ConsentForm(
        request.POST if posted else None,
        request.FILES if posted else None,
        citizen=citizen,
        user=request.user,
    )
    if request.method != "POST":
        return _page(request, citizen, form, 200)
    if form.is_valid():
        document, name = form.cleaned_data.get("document") or (None, "")
        try:
            services.give(citizen, request.user, form.save(commit=False), document, name)
        except PermissionDenied as e:
            # The plain refusal page: it says why and shows nothing of the citizen.
            raise PermissionDenied(
                f"{e} "
                + _(
                    "A consent is recorded by the organisation that discloses the information "
                    "or by the coordinating caseworker – not by the recipient for itself."
                )
            ) from None
        except ValidationError as e:
            form.add_error(None, e)
        else:
            messages.success(request, _("The consent is recorded."))
            return redirect("citizens:consents", citizen.uuid)
    return _page(request, citizen, form, 422)


def _consent(request, citizen_uuid, consent_uuid) -> Consent:
    citizen = get_visible_citizen(request.user, citizen_uuid, "consent")
    return get_object_or_404(
        Consent.objects.visible_to(request.user).select_related("citizen"),
        citizen=citizen,
        uuid=consent_uuid,
    )


@login_required
@require_POST
@performs(WITHDRAW)
def consent_withdraw(request, citizen_uuid, consent_uuid):
    consent = _consent(request, citizen_uuid, consent_uuid)
    form = WithdrawForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    services.withdraw(consent, request.user, note)
    messages.success(request, _("The consent is withdrawn. It no longer applies."))
    return redirect("citizens:consents", consent.citizen.uuid)


@login_required
@require_GET
def consent_document(request, citizen_uuid, consent_uuid):
    """The signed or scanned consent, as a download for the citizen's network (audited)."""
    consent = _consent(request, citizen_uuid, consent_uuid)
    if not consent.document:
        raise Http404(_("This consent has no document."))
    content, content_type, name = services.read_document(consent, request.user)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, name or "samtykke")
    response["X-Content-Type-Options"] = "nosniff"
    return response
