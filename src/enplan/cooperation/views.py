"""Agreement pages: no citizen's data; compliance as counts."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from enplan.audit.models import Action
from enplan.citizens.access import get_visible_citizen
from enplan.core.actions import performs
from enplan.network.permissions import can, require
from enplan.organisations.models import Sector
from enplan.plans.models import Activity
from enplan.plans.services import plan_of, require_item

from . import actions, directory, referrals, services
from .forms import ActivityOfferForm, AgreementForm, CallbackForm, ContactFormSet, OfferForm
from .models import Callback, Offer


def _service_errors(form, exc: ValidationError) -> None:
    """A service's refusal onto the form: beside the field it names, else above the form."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for name, errs in exc.message_dict.items():
        form.add_error(name if name in form.fields else None, errs)


def _reader(user) -> None:
    if getattr(user, "professional_or_none", None) is None and user.role not in (
        "manager",
        "politician",
    ):
        raise PermissionDenied(_("Cooperation agreements are for professionals and managers."))


@login_required
@require_safe
def agreement_list(request):
    _reader(request.user)
    rows = list(services.visible_agreements(request.user))
    return render(
        request,
        "cooperation/list.html",
        {"rows": rows, "may_write": can(request.user, actions.WRITE_AGREEMENT, None)},
    )


@login_required
@performs(actions.WRITE_AGREEMENT)
def agreement_new(request):
    require(request.user, actions.WRITE_AGREEMENT, None)
    own = request.user.professional_or_none.organisation
    form = AgreementForm(request.POST or None, own=own)
    contacts = ContactFormSet(request.POST or None, prefix="contacts")
    if request.method == "POST":
        if form.is_valid() and contacts.is_valid():
            specs = [s for s in (f.spec() for f in contacts) if s]
            try:
                agreement = services.create_agreement(
                    request.user,
                    form.data_for_service(),
                    list(form.cleaned_data["parties"]),
                    specs,
                )
            except ValidationError as exc:
                _service_errors(form, exc)
            else:
                messages.success(request, _("The cooperation agreement is saved."))
                return redirect("cooperation:agreement", agreement.uuid)
        status = 422
    else:
        status = 200
    return render(
        request, "cooperation/form.html", {"form": form, "contacts": contacts}, status=status
    )


def _agreement(request, agreement_uuid):
    _reader(request.user)
    return get_object_or_404(
        services.visible_agreements(request.user).prefetch_related("contacts__organisation"),
        uuid=agreement_uuid,
    )


@login_required
@require_safe
def agreement_detail(request, agreement_uuid):
    agreement = _agreement(request, agreement_uuid)
    return render(
        request,
        "cooperation/detail.html",
        {"a": agreement, "c": services.compliance(agreement)},
    )


@login_required
@require_safe
def agreement_pdf(request, agreement_uuid):
    from weasyprint import CSS, HTML

    agreement = _agreement(request, agreement_uuid)
    html = render_to_string(
        "cooperation/print.html",
        {"a": agreement, "c": services.compliance(agreement)},
        request=request,
    )
    pdf = HTML(string=html).write_pdf(stylesheets=[CSS(string=PRINT_CSS)])
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = 'inline; filename="samarbejdsaftale.pdf"'
    return response


PRINT_CSS = (
    "body{font-family:sans-serif;font-size:11pt;margin:2cm}h1{font-size:18pt}"
    "dt{font-weight:bold;margin-top:.6em}table{border-collapse:collapse}"
    "td,th{border:1px solid #999;padding:4px 8px;text-align:left}"
)


def _professional_only(user) -> None:
    if getattr(user, "professional_or_none", None) is None:
        raise PermissionDenied(_("The directory is for professionals."))


@login_required
@require_safe
def directory_search(request):
    _professional_only(request.user)
    q, sector = request.GET.get("q", "")[:100], request.GET.get("sector", "")
    if sector not in Sector.values:
        sector = ""
    orgs, people = directory.search(q, sector)
    return render(
        request,
        "cooperation/directory.html",
        {
            "q": q,
            "sector": sector,
            "sectors": Sector.choices,
            "orgs": orgs,
            "people": people,
            "stale": directory.own_entry_is_stale(request.user),
            "callback_form": CallbackForm(),
        },
    )


@login_required
@require_POST
@performs(actions.VERIFY_DIRECTORY)
def directory_verify(request):
    directory.verify(request.user)
    messages.success(request, _("Your organisation's entry is marked as verified today."))
    return redirect("cooperation:directory")


@login_required
@performs(actions.REQUEST_CALLBACK)
def callback_new(request):
    require(request.user, actions.REQUEST_CALLBACK, None)
    form = CallbackForm(request.POST or None, initial=request.GET.dict() or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                directory.request_callback(request.user, **form.cleaned_data)
            except ValidationError as exc:
                _service_errors(form, exc)
            else:
                messages.success(request, _("The callback is asked for."))
                return redirect("cooperation:callbacks")
        status = 422
    else:
        status = 200
    return render(
        request,
        "core/form_page.html",
        {"form": form, "title": _("Ask for a callback"), "cancel_url": "/cooperation/callbacks/"},
        status=status,
    )


@login_required
@require_safe
def callback_list(request):
    _professional_only(request.user)
    incoming, outgoing = directory.callbacks_for(request.user)
    return render(
        request,
        "cooperation/callbacks.html",
        {"incoming": incoming, "outgoing": outgoing},
    )


@login_required
@require_POST
@performs(actions.CLOSE_CALLBACK)
def callback_done(request):
    require(request.user, actions.CLOSE_CALLBACK, None)
    try:
        callback = Callback.objects.get(uuid=request.POST.get("callback", ""))
    except ValidationError:  # no id, or not one
        return HttpResponse(_("Choose a callback from the list."), status=400)
    except Callback.DoesNotExist:
        return HttpResponse(_("No such callback."), status=404)
    directory.close_callback(request.user, callback)
    messages.success(request, _("The callback is marked as done."))
    return redirect("cooperation:callbacks")


@login_required
@require_safe
def offer_list(request):
    _reader(request.user)
    q = request.GET.get("q", "")[:100].strip()
    offers = Offer.objects.filter(active=True).select_related("organisation")
    if q:
        offers = offers.filter(
            Q(title__icontains=q)
            | Q(target_group__icontains=q)
            | Q(organisation__name__icontains=q)
            | Q(legal_basis__icontains=q)
        )
    return render(
        request,
        "cooperation/offers.html",
        {
            "offers": list(offers[:200]),
            "q": q,
            "may_write": can(request.user, actions.WRITE_OFFER, None),
        },
    )


@login_required
@performs(actions.WRITE_OFFER)
def offer_new(request):
    require(request.user, actions.WRITE_OFFER, None)
    form = OfferForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        offer = form.save(commit=False)
        offer.organisation = request.user.professional_or_none.organisation
        offer.save()
        messages.success(request, _("The offer is in the catalogue."))
        return redirect("cooperation:offers")
    return render(
        request,
        "core/form_page.html",
        {"form": form, "title": _("Describe an offer"), "cancel_url": "/cooperation/offers/"},
        status=422 if form.is_bound else 200,
    )


@login_required
@performs(actions.LINK_OFFER)
def activity_offer(request, citizen_uuid, activity_uuid):
    """Point one plan activity at an offer in the catalogue. An activity the viewer may not
    see, or may not change, is refused before any form shows."""
    writing = request.method == "POST"
    citizen = get_visible_citizen(
        request.user, citizen_uuid, "activity", Action.UPDATE if writing else Action.READ
    )
    plan = plan_of(citizen)
    if plan.pk is None:
        raise Http404(_("No such item in this plan."))
    activity = get_object_or_404(
        Activity.objects.select_related("organisation", "plan__citizen"),
        plan=plan,
        uuid=activity_uuid,
    )
    # The rule the plan's own edits follow: what is not shared with you, you cannot change
    # (nor see in this form). The refusal is audited.
    require_item(request.user, actions.LINK_OFFER, activity)
    link = referrals.current(activity)
    initial = {"offer": link.offer.uuid, "note": link.note} if link else {}
    form = ActivityOfferForm(request.POST or None, initial=initial)
    if writing and form.is_valid():
        try:
            referrals.link_offer(
                request.user, activity, form.cleaned_data["offer"], form.cleaned_data["note"]
            )
        except ValidationError as exc:
            _service_errors(form, exc)
        else:
            messages.success(request, _("The activity's offer is saved."))
            plan_url = reverse("citizens:plan", args=[citizen.uuid])
            return redirect(f"{plan_url}#activity-{activity.uuid}")
    return render(
        request,
        "cooperation/activity_offer.html",
        {"citizen": citizen, "activity": activity, "form": form, "link": link},
        status=422 if form.is_bound else 200,
    )
