"""Invitations that reach people.

- Participants with an e-mail address get an iCalendar invitation (RFC 5545): REQUEST when
  planned or changed (same UID, higher SEQUENCE), CANCEL when cancelled. The e-mail is an
  outbox row (`InvitationEmail`) stored with the change and sent after commit, so a change
  that rolls back sends nothing and a failed send is retried by `send_meeting_invitations`.
- Participants at organisations outside enplan (e.g. the GP) get the invitation and agenda as
  a MedCom CareCommunication through the messaging outbox, under the citizen's consent.

E-mail is not a secure channel: the calendar entry names the kind of meeting, the time and
the place, never the citizen or the purpose; those are in enplan or in the secure message.
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, vCalAddress, vText

from .models import InvitationEmail, InvitationState, Meeting, Participant

log = logging.getLogger("enplan.meetings")

MAX_ATTEMPTS = 5
CC_CATEGORY = "carecoordination"  # MedCom category "Forløbskoordinering"


def organizer_address(meeting: Meeting) -> str:
    convener = meeting.convener
    return convener.email or convener.organisation.email or settings.DEFAULT_FROM_EMAIL


def _place(meeting: Meeting) -> str:
    parts = [str(meeting.get_place_kind_display()), meeting.place_detail, meeting.online_link]
    return " – ".join(p for p in parts if p)


def build_ics(meeting: Meeting, participants: list[Participant], method: str) -> bytes:
    cal = Calendar()
    cal.add("prodid", "-//enplan//meetings//DA")
    cal.add("version", "2.0")
    cal.add("method", method)
    event = Event()
    event.add("uid", meeting.ical_uid)
    event.add("sequence", meeting.sequence)
    event.add("dtstamp", timezone.now())
    event.add("dtstart", meeting.starts_at)
    event.add("dtend", meeting.ends_at)
    event.add("summary", str(meeting.get_kind_display()))
    event.add("location", _place(meeting))
    if meeting.online_link:
        event.add("url", meeting.online_link)
    event.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
    organizer = vCalAddress(f"mailto:{organizer_address(meeting)}")
    organizer.params["cn"] = vText(meeting.convener.name)
    event["organizer"] = organizer
    for p in participants:
        if not p.email:
            continue
        attendee = vCalAddress(f"mailto:{p.email}")
        attendee.params["cn"] = vText(p.name)
        attendee.params["role"] = vText("REQ-PARTICIPANT")
        attendee.params["partstat"] = vText("NEEDS-ACTION")
        attendee.params["rsvp"] = vText("TRUE")
        event.add("attendee", attendee, encode=0)
    cal.add_component(event)
    return cal.to_ical()


def _local(dt: datetime.datetime) -> str:
    return timezone.localtime(dt).strftime("%d.%m.%Y %H:%M")


def agenda_text(meeting: Meeting, agenda: list, *, cancelled: bool = False) -> str:
    """The invitation as a secure message: purpose, time, place and agenda."""
    lines = [
        f"{meeting.get_kind_display()}: {_local(meeting.starts_at)}–"
        f"{timezone.localtime(meeting.ends_at):%H:%M}",
        f"{_('Place')}: {_place(meeting)}",
    ]
    if cancelled:
        lines.insert(0, _("The meeting is cancelled."))
        if meeting.cancel_reason:
            lines.append(f"{_('Reason')}: {meeting.cancel_reason}")
        return "\n".join(lines)
    lines += [
        f"{_('Purpose')}: {meeting.purpose}",
        f"{_('Working question')}: {meeting.working_question}",
        f"{_('Convener')}: {meeting.convener.name}",
        "",
        _("Agenda") + ":",
    ]
    lines += [f"{i}. {item.title}" for i, item in enumerate(agenda, 1)]
    return "\n".join(lines)


def queue(meeting: Meeting, user, *, method: str, changed: bool = False) -> None:
    """Queue the invitation (or update, or cancellation) for every participant, in the
    current transaction; e-mails go out after commit."""
    participants = list(
        meeting.participants.select_related("organisation", "membership__professional")
    )
    agenda = list(meeting.agenda.all())
    ics = build_ics(meeting, participants, method).decode()
    subject = {
        "CANCEL": _("Cancelled: %(kind)s %(when)s"),
        "REQUEST": _("Changed: %(kind)s %(when)s")
        if changed
        else _("Invitation: %(kind)s %(when)s"),
    }[method] % {"kind": meeting.get_kind_display(), "when": _local(meeting.starts_at)}
    body = _(
        "%(kind)s, %(when)s.\nPlace: %(place)s\nConvener: %(convener)s\n\nThe calendar "
        "invitation is attached. The agenda is in enplan or will be sent to you securely."
    ) % {
        "kind": meeting.get_kind_display(),
        "when": _local(meeting.starts_at),
        "place": _place(meeting),
        "convener": meeting.convener.name,
    }
    emails = []
    for p in participants:
        if p.outside_enplan:
            _secure_message(meeting, user, p, agenda, cancelled=method == "CANCEL", changed=changed)
        elif p.email:
            emails.append(
                InvitationEmail(
                    meeting=meeting,
                    participant=p,
                    to=p.email,
                    method=method,
                    sequence=meeting.sequence,
                    subject=subject[:200],
                    body=body,
                    ics=ics,
                )
            )
            p.invitation = InvitationState.EMAIL
        elif p.role != "citizen":
            p.invitation = InvitationState.NO_ADDRESS
    Participant.objects.bulk_update(participants, ["invitation", "thread"])
    InvitationEmail.objects.bulk_create(emails)
    if emails:
        ids = [e.pk for e in emails] if emails[0].pk else None
        transaction.on_commit(lambda: deliver(meeting_id=meeting.pk, ids=ids))


def cancel_for(meeting: Meeting, removed: list[Participant]) -> None:
    """A cancellation to participants taken off the meeting (before they are deleted)."""
    if not removed:
        return
    ics = build_ics(meeting, removed, "CANCEL").decode()
    subject = _("Cancelled: %(kind)s %(when)s") % {
        "kind": meeting.get_kind_display(),
        "when": _local(meeting.starts_at),
    }
    body = _("You are no longer invited to this meeting.")
    rows = InvitationEmail.objects.bulk_create(
        [
            InvitationEmail(
                meeting=meeting,
                participant=None,
                to=p.email,
                method="CANCEL",
                sequence=meeting.sequence,
                subject=subject[:200],
                body=body,
                ics=ics,
            )
            for p in removed
        ]
    )
    ids = [r.pk for r in rows]
    transaction.on_commit(lambda: deliver(meeting_id=meeting.pk, ids=ids))


def _secure_message(meeting, user, p: Participant, agenda, *, cancelled: bool, changed: bool):
    from enplan.messaging import sending

    text = agenda_text(meeting, agenda, cancelled=cancelled)
    topic = (
        _("Cancelled meeting")
        if cancelled
        else _("Changed meeting")
        if changed
        else _("Invitation to a meeting")
    )
    topic = f"{topic}: {meeting.get_kind_display()}"[:60]
    try:
        with transaction.atomic():  # a refusal below leaves nothing half-written
            if p.thread_id:
                message = sending.reply(user, p.thread, text=text)
            else:
                message = sending.compose(
                    user,
                    meeting.citizen,
                    partner=p.organisation,
                    category=CC_CATEGORY,
                    topic=topic,
                    text=text,
                )
    except sending.ConsentMissing:
        p.invitation = InvitationState.CONSENT_MISSING
        return
    except ValidationError as exc:  # e.g. no SOR code on either side
        log.warning("meeting invitation to %s not sent: %s", p.organisation_id, exc.messages)
        p.invitation = InvitationState.NO_ADDRESS
        return
    p.thread_id = message.thread_id
    p.invitation = InvitationState.CARECOMMUNICATION


def deliver(meeting_id: int | None = None, ids: list[int] | None = None) -> tuple[int, int]:
    """Send the due calendar e-mails. Returns (sent, failed)."""
    due = InvitationEmail.objects.filter(sent_at__isnull=True, attempts__lt=MAX_ATTEMPTS)
    if meeting_id is not None:
        due = due.filter(meeting_id=meeting_id)
    if ids:
        due = due.filter(pk__in=ids)
    sent = failed = 0
    for row in due:
        message = EmailMessage(row.subject, row.body, to=[row.to])
        message.attach(
            "invitation.ics",
            row.ics.encode(),
            f"text/calendar; method={row.method}; charset=UTF-8",
        )
        try:
            message.send()
        except Exception as exc:  # noqa: BLE001 - any transport failure is retried later
            InvitationEmail.objects.filter(pk=row.pk).update(
                attempts=row.attempts + 1, last_error=str(exc)[:500]
            )
            log.warning("meeting invitation e-mail %s failed: %s", row.pk, exc)
            failed += 1
            continue
        InvitationEmail.objects.filter(pk=row.pk).update(
            sent_at=timezone.now(), attempts=row.attempts + 1, last_error=""
        )
        sent += 1
    return sent, failed


def send_minutes(minutes, user) -> list[Participant]:
    """Approved minutes as CareCommunication to participants outside enplan (one click)."""
    from enplan.consent.models import Category
    from enplan.consent.policy import shares_with
    from enplan.messaging import sending

    meeting = minutes.meeting
    text = minutes_text(minutes)
    done = []
    with translation.override(settings.LANGUAGE_CODE):
        for p in meeting.participants.select_related("organisation").filter(
            organisation__uses_enplan=False
        ):
            if not shares_with(meeting.citizen, p.organisation, Category.MINUTES, meeting.origin):
                raise sending.ConsentMissing(
                    _(
                        "%(citizen)s has not consented to sharing meeting minutes with "
                        "%(partner)s. Record the consent (samtykke) for 'Meeting minutes' first."
                    )
                    % {"citizen": meeting.citizen.full_name, "partner": p.organisation.name}
                )
            topic = f"{_('Minutes')}: {meeting.get_kind_display()}"[:60]
            if p.thread_id:
                sending.reply(user, p.thread, text=text)
            else:
                message = sending.compose(
                    user,
                    meeting.citizen,
                    partner=p.organisation,
                    category=CC_CATEGORY,
                    topic=topic,
                    text=text,
                )
                p.thread_id = message.thread_id
                p.save(update_fields=["thread"])
            done.append(p)
    return done


def minutes_text(minutes) -> str:
    meeting = minutes.meeting
    lines = [
        f"{_('Minutes')} ({_('version')} {minutes.number}): {meeting.get_kind_display()} "
        f"{_local(meeting.starts_at)}",
        f"{_('Purpose')}: {meeting.purpose}",
        f"{_('Present')}: " + ", ".join(p.name for p in meeting.participants.all() if p.attended),
        "",
    ]
    if minutes.summary:
        lines += [minutes.summary, ""]
    lines.append(_("Decisions") + ":")
    for i, d in enumerate(minutes.decisions.all(), 1):
        due = f" ({_('by')} {d.due_on:%d.%m.%Y})" if d.due_on else ""
        lines.append(f"{i}. {d.topic} – {d.agreed} – {d.who}{due}")
    if minutes.next_meeting_at:
        lines += [
            "",
            f"{_('Next meeting')}: {_local(minutes.next_meeting_at)} {minutes.next_meeting_place} "
            f"{minutes.next_meeting_with}".strip(),
        ]
    return "\n".join(lines)
