"""Certificate pages. Thin: the citizen through her access rule, the answer through the
consent policy (category health, from the recipient), the rules in `services`."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from enplan.audit.models import Action
from enplan.citizens.access import get_visible_citizen, require_professional
from enplan.consent.models import Category
from enplan.consent.policy import for_viewer
from enplan.core.actions import performs
from enplan.network.permissions import can, require
from enplan.organisations.models import Sector
from enplan.plans.models import Activity

from . import actions, services
from .forms import AnswerForm, CloseForm, RequestForm
from .models import CertificateKind, CertificateRequest


def _put_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errs in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errs)
    else:
        form.add_error(None, exc.messages)


@login_required
@require_safe
def request_list(request, citizen_uuid):
    citizen = get_visible_citizen(request.user, citizen_uuid, "certificates", Action.LIST)
    rows = list(
        CertificateRequest.objects.filter(citizen=citizen)
        .with_progress()
        .select_related("kind", "recipient")
    )
    return render(
        request,
        "certificates/list.html",
        {
            "citizen": citizen,
            "rows": rows,
            "tab": "certificates",
            "may_request": can(
                request.user, actions.REQUEST, citizen, origin_sector=Sector.JOBCENTER
            ),
        },
    )


def _form_page(request, citizen, form, status=200):
    kind = (
        form.cleaned_data.get("kind") if form.is_bound and hasattr(form, "cleaned_data") else None
    )
    if kind is None and form.is_bound:
        kind = CertificateKind.objects.filter(pk=form.data.get("kind") or None).first()
    earlier = services.duplicates(citizen, kind) if kind else []
    policy = for_viewer(request.user, citizen)
    for e in earlier:
        e.answer_withheld = policy.withheld(Category.HEALTH, e.origin_id)
    return render(
        request,
        "certificates/form.html",
        {
            "citizen": citizen,
            "form": form,
            "earlier": earlier,
            "courses": services.treatment_courses(citizen),
            "tab": "certificates",
        },
        status=status,
    )


@login_required
@performs(actions.REQUEST)
def request_new(request, citizen_uuid):
    action = Action.UPDATE if request.method == "POST" else Action.READ
    citizen = get_visible_citizen(request.user, citizen_uuid, "certificates", action)
    if request.method == "POST":  # refused before the input is looked at
        require(request.user, actions.REQUEST, citizen, origin_sector=Sector.JOBCENTER)
    own = getattr(request.user.professional_or_none, "organisation_id", None)
    policy = for_viewer(request.user, citizen)
    shared = [
        a.pk
        for a in Activity.objects.filter(citizen=citizen).select_related("organisation")
        if not policy.withheld_item(a)
    ]
    form = RequestForm(
        request.POST or None,
        request.FILES or None,
        recipients=services.recipients(citizen, own),
        activities=Activity.objects.filter(pk__in=shared),
    )
    if request.method == "POST":
        if form.is_valid():
            try:
                req = services.create_request(request.user, citizen, form.spec())
            except ValidationError as exc:
                _put_errors(form, exc)
            else:
                messages.success(request, _("The certificate request is sent."))
                return redirect("citizens:certificate", citizen.uuid, req.uuid)
        return _form_page(request, citizen, form, status=422)
    return _form_page(request, citizen, form)


def _request(citizen, certificate_uuid) -> CertificateRequest:
    return get_object_or_404(
        CertificateRequest.objects.with_progress().select_related(
            "kind", "recipient", "organisation", "thread", "duplicate_of"
        ),
        citizen=citizen,
        uuid=certificate_uuid,
    )


def _detail(request, citizen, req, answer_form=None, close_form=None, status=200):
    withheld = for_viewer(request.user, citizen).withheld(Category.HEALTH, req.origin_id)
    reply_segments = []
    if (
        req.thread_id
        and not withheld
        and req.thread.organisation_id
        == getattr(request.user.professional_or_none, "organisation_id", None)
    ):
        reply_segments = list(
            req.thread.segments.filter(from_partner=True, kind="text").order_by("timestamp")
        )
    return render(
        request,
        "certificates/detail.html",
        {
            "citizen": citizen,
            "req": req,
            "withheld": withheld,
            "activities": list(req.activities.all()),
            "reply_segments": reply_segments,
            "answer_form": answer_form or AnswerForm(),
            "close_form": close_form or CloseForm(),
            "may_answer": can(
                request.user, actions.RECORD_ANSWER, citizen, origin_id=req.organisation_id
            ),
            "may_close": can(request.user, actions.CLOSE, citizen, origin_id=req.organisation_id),
            "tab": "certificates",
        },
        status=status,
    )


@login_required
@require_safe
def request_detail(request, citizen_uuid, certificate_uuid):
    citizen = get_visible_citizen(request.user, citizen_uuid, "certificate", Action.READ)
    return _detail(request, citizen, _request(citizen, certificate_uuid))


@login_required
@require_POST
@performs(actions.RECORD_ANSWER)
def request_answer(request, citizen_uuid, certificate_uuid):
    citizen = get_visible_citizen(request.user, citizen_uuid, "certificate", Action.UPDATE)
    req = _request(citizen, certificate_uuid)
    form = AnswerForm(request.POST)
    if form.is_valid():
        try:
            services.record_answer(request.user, req, **form.cleaned_data)
        except ValidationError as exc:
            _put_errors(form, exc)
        else:
            messages.success(request, _("The answer is recorded."))
            return redirect("citizens:certificate", citizen.uuid, req.uuid)
    return _detail(request, citizen, req, answer_form=form, status=422)


@login_required
@require_POST
@performs(actions.CLOSE)
def request_close(request, citizen_uuid, certificate_uuid):
    citizen = get_visible_citizen(request.user, citizen_uuid, "certificate", Action.UPDATE)
    req = _request(citizen, certificate_uuid)
    form = CloseForm(request.POST)
    if form.is_valid():
        try:
            services.close(request.user, req, used_note=form.cleaned_data["used_note"])
        except ValidationError as exc:
            _put_errors(form, exc)
        else:
            messages.success(request, _("The certificate request is closed."))
            return redirect("citizens:certificate", citizen.uuid, req.uuid)
    return _detail(request, citizen, req, close_form=form, status=422)


@login_required
@require_safe
def overdue(request):
    """The caseworker's overdue list: requests past their date in her networks."""
    require_professional(request.user)
    rows = list(
        CertificateRequest.objects.visible_to(request.user)
        .overdue()
        .select_related("kind", "recipient", "citizen")
        .order_by("wanted_by")
    )
    return render(request, "certificates/overdue.html", {"rows": rows})
