"""Message pages: a citizen's threads, one thread (reply, forward, attachments), the
organisation's inbox with its triage, and the switches for systematic notifications."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from enplan.audit.models import Action
from enplan.audit.services import record
from enplan.citizens.access import get_visible_citizen, require_professional, visible_citizen_ids
from enplan.citizens.models import Citizen
from enplan.consent.policy import for_viewer
from enplan.core.actions import performs
from enplan.core.cpr import validate_cpr
from enplan.core.models import organisation_id_of
from enplan.core.views import form_page
from enplan.organisations.models import Organisation

from . import sending
from .actions import ATTACH, FORWARD, NOTIFICATION_SETTINGS, REPLY, WRITE
from .forms import (
    AttachForm,
    ComposeForm,
    ForwardForm,
    NotificationSettingsForm,
    ReplyForm,
    uploads,
)
from .models import Direction, NotificationSetting, Segment, Thread, ThreadRead
from .notifications import partners_of, save_settings

PAGE_SIZE = 50


def _partners(citizen, user, exclude=None):
    """Organisations in the citizen's network that can be written to."""
    qs = (
        Organisation.objects.filter(
            memberships__citizen=citizen, memberships__ended_at__isnull=True
        )
        .exclude(pk=organisation_id_of(user))
        .exclude(sor_code="")
        .distinct()
        .order_by("name")
    )
    return qs.exclude(pk=exclude.pk) if exclude else qs


def _thread(user, citizen, thread_uuid) -> Thread:
    thread = (
        Thread.objects.filter(citizen=citizen, uuid=thread_uuid)
        .select_related("partner", "organisation", "citizen")
        .first()
    )
    if thread is None:
        raise Http404(_("No such message thread."))
    if thread.organisation_id != organisation_id_of(user):
        record(user, citizen, Action.REFUSED, thread, reason="organisation")
        raise PermissionDenied(
            _("This correspondence belongs to %(org)s.") % {"org": thread.organisation.name}
        )
    return thread


def _unread(threads, user) -> None:
    reads = dict(
        ThreadRead.objects.filter(user=user, thread__in=threads).values_list("thread_id", "read_at")
    )
    for t in threads:
        read_at = reads.get(t.pk)
        t.unread = bool(t.last_incoming_at and (read_at is None or read_at < t.last_incoming_at))


@login_required
@require_safe
def thread_list(request, citizen_uuid):
    citizen = get_visible_citizen(request.user, citizen_uuid, "messages")
    threads = list(
        Thread.objects.visible_to(request.user)
        .filter(citizen=citizen)
        .select_related("partner")
        .annotate(n=Count("messages"))
    )
    _unread(threads, request.user)
    return render(
        request,
        "messaging/thread_list.html",
        {"citizen": citizen, "threads": threads, "tab": "messages"},
    )


@login_required
@performs(WRITE)
def thread_new(request, citizen_uuid):
    citizen = get_visible_citizen(request.user, citizen_uuid, "messages")
    partners = _partners(citizen, request.user)
    form = ComposeForm(
        request.POST if request.method == "POST" else None, request.FILES or None, partners=partners
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            message = sending.compose(
                request.user,
                citizen,
                partner=d["partner"],
                category=d["category"],
                topic=d["topic"],
                text=d["text"],
                uploads=uploads(d["attachments"]),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The message is sent."))
            return redirect("citizens:thread", citizen.uuid, message.thread.uuid)
    return form_page(
        request,
        form,
        title=_("New message"),
        action=reverse("citizens:thread_new", args=[citizen.uuid]),
        citizen=citizen,
        cancel_url=reverse("citizens:threads", args=[citizen.uuid]),
        submit_label=_("Send"),
    )


def _thread_page(request, citizen, thread, reply_form=None, forward_form=None, status=200):
    policy = for_viewer(request.user, citizen)
    previous = ThreadRead.objects.filter(user=request.user, thread=thread).first()
    segments = list(thread.segments.select_related("message").defer("data"))
    for seg in segments:
        seg.withheld = policy.withheld(seg.category, seg.origin_id)
        seg.incoming = seg.message.direction == Direction.IN
        seg.unread = seg.incoming and (
            previous is None or seg.message.created_at > previous.read_at
        )
    ThreadRead.objects.update_or_create(
        user=request.user, thread=thread, defaults={"read_at": timezone.now()}
    )
    record(request.user, citizen, Action.READ, thread)
    forward_partners = _partners(citizen, request.user, exclude=thread.partner)
    return render(
        request,
        "messaging/thread.html",
        {
            "citizen": citizen,
            "thread": thread,
            "segments": segments,
            "outgoing": thread.messages.filter(direction=Direction.OUT).order_by("-sent_at"),
            "reply_form": reply_form or ReplyForm(),
            "forward_form": forward_form or ForwardForm(partners=forward_partners),
            "tab": "messages",
        },
        status=status,
    )


@login_required
@require_safe
def thread_detail(request, citizen_uuid, thread_uuid):
    citizen = get_visible_citizen(request.user, citizen_uuid, "messages")
    return _thread_page(request, citizen, _thread(request.user, citizen, thread_uuid))


@login_required
@require_POST
@performs(REPLY)
def thread_reply(request, citizen_uuid, thread_uuid):
    citizen = get_visible_citizen(request.user, citizen_uuid, "messages", Action.UPDATE)
    thread = _thread(request.user, citizen, thread_uuid)
    form = ReplyForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            sending.reply(
                request.user,
                thread,
                text=form.cleaned_data["text"],
                uploads=uploads(form.cleaned_data["attachments"]),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The reply is sent."))
            return redirect("citizens:thread", citizen.uuid, thread.uuid)
    return _thread_page(request, citizen, thread, reply_form=form, status=422)


@login_required
@require_POST
@performs(FORWARD)
def thread_forward(request, citizen_uuid, thread_uuid):
    citizen = get_visible_citizen(request.user, citizen_uuid, "messages", Action.UPDATE)
    thread = _thread(request.user, citizen, thread_uuid)
    form = ForwardForm(
        request.POST, partners=_partners(citizen, request.user, exclude=thread.partner)
    )
    if form.is_valid():
        try:
            message = sending.forward(
                request.user,
                thread,
                partner=form.cleaned_data["partner"],
                text=form.cleaned_data["text"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The thread is forwarded."))
            return redirect("citizens:thread", citizen.uuid, message.thread.uuid)
    return _thread_page(request, citizen, thread, forward_form=form, status=422)


@login_required
@require_safe
def attachment(request, citizen_uuid, thread_uuid, segment_uuid):
    citizen = get_visible_citizen(request.user, citizen_uuid, "attachment")
    thread = _thread(request.user, citizen, thread_uuid)
    seg = get_object_or_404(Segment, thread=thread, uuid=segment_uuid, kind="attachment")
    if for_viewer(request.user, citizen).withheld(seg.category, seg.origin_id):
        raise PermissionDenied(_("This is not shared with you: the citizen's consent is missing."))
    if not seg.data:
        raise Http404(_("The content of this attachment was not part of the message."))
    record(request.user, citizen, Action.READ, seg)
    response = HttpResponse(bytes(seg.data), content_type=seg.content_type)
    response["Content-Disposition"] = content_disposition_header(True, seg.title or "attachment")
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_safe
def inbox(request):
    require_professional(request.user)
    threads = list(
        Thread.objects.visible_to(request.user)
        .filter(citizen__isnull=False)
        .select_related("partner", "citizen")[:PAGE_SIZE]
    )
    _unread(threads, request.user)
    triage = list(
        Thread.objects.visible_to(request.user).triage().select_related("partner")[:PAGE_SIZE]
    )
    return render(request, "messaging/inbox.html", {"threads": threads, "triage": triage})


def _org_thread(user, thread_uuid) -> Thread:
    require_professional(user)
    thread = Thread.objects.filter(uuid=thread_uuid).select_related("partner", "citizen").first()
    if thread is None:
        raise Http404(_("No such message thread."))
    if thread.citizen is not None:
        get_visible_citizen(user, thread.citizen.uuid, "messages")  # 404 outside the networks
    if thread.organisation_id != organisation_id_of(user):
        if thread.citizen is not None:
            record(user, thread.citizen, Action.REFUSED, thread, reason="organisation")
            raise PermissionDenied(_("This correspondence belongs to another organisation."))
        raise Http404(_("No such message thread."))
    return thread


@login_required
@performs(ATTACH)
def open_thread(request, thread_uuid):
    """A thread from the inbox: its citizen's page, or the triage page while unidentified."""
    thread = _org_thread(request.user, thread_uuid)
    if thread.citizen is not None:
        return redirect("citizens:thread", thread.citizen.uuid, thread.uuid)
    form = AttachForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        cpr = form.cleaned_data["cpr"].replace("-", "").strip()
        citizen = None
        try:
            validate_cpr(cpr)
            citizen = Citizen.objects.filter(cpr=cpr, id__in=visible_citizen_ids(request.user))
            citizen = citizen.first()
        except ValidationError as exc:
            form.add_error("cpr", exc)
        else:
            if citizen is None:
                form.add_error("cpr", _("No citizen with this CPR number in your networks."))
        if citizen is not None:
            try:
                sending.attach_to_citizen(
                    request.user, thread, citizen, form.cleaned_data["remember"]
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(
                    request,
                    _("The message is attached to %(name)s.") % {"name": citizen.full_name},
                )
                return redirect("citizens:thread", citizen.uuid, thread.uuid)
    segments = list(thread.segments.defer("data"))
    return render(
        request,
        "messaging/triage.html",
        {"thread": thread, "segments": segments, "form": form},
        status=422 if form.is_bound else 200,
    )


@login_required
@performs(NOTIFICATION_SETTINGS)
def notification_settings(request):
    require_professional(request.user)
    org = request.user.professional.organisation
    partners = partners_of(org)
    enabled = {
        (s.partner_id, s.kind): s.enabled
        for s in NotificationSetting.objects.filter(organisation=org)
    }
    form = NotificationSettingsForm(
        request.POST if request.method == "POST" else None, partners=partners, enabled=enabled
    )
    if request.method == "POST" and form.is_valid():
        save_settings(request.user, org, form.cleaned_data)
        messages.success(request, _("The notification settings are saved."))
        return redirect("messaging:notifications")
    return render(request, "messaging/notifications.html", {"form": form, "org": org})
