"""Meetings (issue 12): rules, bad input, access, minutes as decisions, invitations."""

import datetime
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone, translation
from icalendar import Calendar

from enplan.audit.models import AuditEntry
from enplan.consent.models import Category, Consent
from enplan.consent.services import give
from enplan.meetings import services
from enplan.meetings.models import (
    AgendaItem,
    Decision,
    InvitationEmail,
    InvitationState,
    Kind,
    KindRule,
    Meeting,
    Minutes,
    MinutesState,
    Participant,
    ParticipantRole,
    Status,
)
from enplan.meetings.services import DoubleBooked, MeetingConflict, ParticipantSpec
from enplan.meetings.workdays import add_working_days, is_working_day
from enplan.messaging.models import OutboxEntry
from enplan.network.models import NetworkRole
from enplan.network.services import add_member
from enplan.organisations.models import Profession, Sector
from enplan.plans import services as plan_services
from enplan.plans.models import Activity, Goal, PlanVersion
from enplan.plans.services import PlanConflict

from .conftest import make_org, make_professional


@pytest.fixture(autouse=True)
def english(settings):
    """Messages are asserted in English (the msgids); the Danish UI is the browser test's."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def _at(days: int, hour: int = 10) -> datetime.datetime:
    day = timezone.localdate() + datetime.timedelta(days=days)
    return datetime.datetime.combine(
        day, datetime.time(hour), tzinfo=timezone.get_current_timezone()
    )


def _data(**over) -> dict:
    data = {
        "kind": Kind.PLANNING,
        "purpose": "Lægge en fælles plan",
        "working_question": "Hvad skal der til for at Anna kan starte i praktik?",
        "starts_at": _at(7),
        "ends_at": _at(7, 11),
        "place_kind": "clinic",
    }
    data.update(over)
    return data


@pytest.fixture
def gp_outside(citizen, caseworker):
    """The citizen's GP, at a practice that does not use enplan."""
    practice = make_org("Lægerne i Søborg", Sector.GENERAL_PRACTICE, "900000000000009")
    practice.uses_enplan = False
    practice.save()
    gp = make_professional("karin", practice, Profession.GP)
    return add_member(citizen, caseworker.user, role=NetworkRole.GP, professional=gp)


def _consent(citizen, actor, recipient, categories):
    return give(
        citizen,
        actor,
        Consent(
            source_organisation=actor.professional.organisation,
            recipient_organisation=recipient,
            categories=categories,
            purpose="Planlægning",
            valid_from=timezone.localdate(),
            given_how="written",
        ),
    )


def _plan(citizen, caseworker, **over):
    return services.plan_meeting(caseworker.user, citizen, _data(**over), [])


# --- working days --------------------------------------------------------------------------


def test_working_days_skip_weekends_and_danish_holidays():
    assert not is_working_day(datetime.date(2026, 12, 25))  # juledag
    assert not is_working_day(datetime.date(2026, 5, 14))  # Kristi himmelfartsdag
    assert is_working_day(datetime.date(2026, 5, 15))
    # Thursday 24 Dec 2026 + 4 working days: 25, 26 (holidays), 27 (Sunday) skipped.
    assert add_working_days(datetime.date(2026, 12, 23), 4) == datetime.date(2026, 12, 30)
    # Maundy Thursday to Easter Monday are holidays in Denmark.
    assert add_working_days(datetime.date(2026, 4, 1), 1) == datetime.date(2026, 4, 7)


def test_kind_rules_are_seeded_and_editable(db):
    rule = KindRule.objects.get(kind=Kind.DISCHARGE)
    assert rule.deadline_working_days == 4
    assert KindRule.objects.get(kind=Kind.THREE_PARTY).duration_minutes == 20
    assert not KindRule.objects.get(kind=Kind.THREE_PARTY).minutes_required
    rule.deadline_working_days = 3
    rule.save()
    assert services.deadline_for(Kind.DISCHARGE, datetime.date(2026, 12, 1)) == datetime.date(
        2026, 12, 4
    )


# --- planning rules and bad input ----------------------------------------------------------


def test_plan_meeting_sets_agenda_interpreter_and_coordinator(citizen, caseworker, psych):
    citizen.needs_interpreter = True
    citizen.interpreter_language = "ar"
    citizen.interpreter_dialect = "Irakisk"
    citizen.save()
    member = citizen.memberships.get(professional=psych)
    outcome = services.plan_meeting(
        caseworker.user,
        citizen,
        _data(),
        [
            ParticipantSpec(membership=member, role=ParticipantRole.PROFESSIONAL),
            ParticipantSpec(name="Tolk Ali", role=ParticipantRole.INTERPRETER, email="t@x.dk"),
        ],
    )
    meeting = outcome.meeting
    assert meeting.interpreter_language == "ar" and meeting.interpreter_dialect == "Irakisk"
    assert meeting.interpreter_status == "to_book"
    assert meeting.origin_id == caseworker.organisation_id
    # The coordinator was not chosen, so added, and the user is told.
    assert outcome.notices and "always invited" in outcome.notices[0]
    names = set(meeting.participants.values_list("name", flat=True))
    assert {"Mette Test", "Lene Test", "Tolk Ali", citizen.full_name} <= names
    assert meeting.participants.get(role=ParticipantRole.CITIZEN).name == citizen.full_name
    # The planning meeting starts from the five conversation areas.
    assert AgendaItem.objects.filter(meeting=meeting).count() == 5


def test_end_before_start_is_refused_and_nothing_stored(citizen, caseworker, client_for):
    with pytest.raises(Exception) as exc:
        services.plan_meeting(caseworker.user, citizen, _data(ends_at=_at(7, 9)), [])
    assert "end after it starts" in str(exc.value)
    client = client_for(caseworker)
    response = client.post(
        f"/citizens/{citizen.uuid}/meetings/new/",
        {
            **_post(),
            "starts_at": _at(30, 10).strftime("%Y-%m-%dT%H:%M"),
            "ends_at": _at(30, 9).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert response.status_code == 422
    assert "The meeting must end after it starts." in response.content.decode()
    assert not Meeting.objects.exists()


def _post(**over) -> dict:
    starts = _at(9)
    data = {
        "kind": "planning",
        "purpose": "Fælles plan",
        "working_question": "Hvad er næste skridt?",
        "starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": "",
        "place_kind": "clinic",
        "interpreter_status": "not_needed",
        "outside-TOTAL_FORMS": "2",
        "outside-INITIAL_FORMS": "0",
        "outside-MIN_NUM_FORMS": "0",
        "outside-MAX_NUM_FORMS": "10",
    }
    data.update(over)
    return data


def test_no_purpose_is_refused(citizen, caseworker, client_for):
    client = client_for(caseworker)
    response = client.post(f"/citizens/{citizen.uuid}/meetings/new/", _post(purpose=" "))
    assert response.status_code == 422
    assert "a meeting must have one" in response.content.decode()
    assert not Meeting.objects.exists()


def test_participant_without_role_is_refused(citizen, caseworker, client_for):
    client = client_for(caseworker)
    response = client.post(
        f"/citizens/{citizen.uuid}/meetings/new/",
        _post(**{"outside-0-name": "Bror Hansen", "outside-0-role": ""}),
    )
    assert response.status_code == 422
    assert "Choose a role for Bror Hansen" in response.content.decode()
    assert not Meeting.objects.exists()
    with pytest.raises(Exception, match="Choose a role"):
        services.plan_meeting(
            caseworker.user, citizen, _data(), [ParticipantSpec(name="Bror", role="")]
        )
    assert not Meeting.objects.exists() and not Participant.objects.exists()


def test_double_booking_warns_and_override_reason_is_stored(citizen, caseworker, client_for):
    _plan(citizen, caseworker, starts_at=_at(9, 8), ends_at=_at(9, 9))
    with pytest.raises(DoubleBooked):
        _plan(citizen, caseworker, starts_at=_at(9, 13), ends_at=_at(9, 14))
    assert Meeting.objects.count() == 1
    client = client_for(caseworker)
    response = client.post(f"/citizens/{citizen.uuid}/meetings/new/", _post())
    assert response.status_code == 422
    assert "already has" in response.content.decode()
    assert Meeting.objects.count() == 1
    response = client.post(
        f"/citizens/{citizen.uuid}/meetings/new/",
        _post(override_reason="Borgeren ønsker begge møder samme dag"),
    )
    assert response.status_code == 302
    newest = Meeting.objects.order_by("-id").first()
    assert newest.overlap_reason == "Borgeren ønsker begge møder samme dag"
    # The usual length of the kind filled in the empty end.
    assert newest.ends_at - newest.starts_at == datetime.timedelta(minutes=90)


def test_update_to_cancelled_meeting_is_refused(citizen, caseworker, client_for):
    meeting = _plan(citizen, caseworker).meeting
    services.cancel_meeting(meeting, caseworker.user, meeting.version, "Borgeren er syg")
    with pytest.raises(Exception, match="cancelled"):
        services.update_meeting(meeting, caseworker.user, meeting.version, {"purpose": "Nyt"})
    meeting.refresh_from_db()
    assert meeting.purpose == "Lægge en fælles plan" and meeting.status == Status.CANCELLED
    client = client_for(caseworker)
    response = client.post(
        f"/citizens/{citizen.uuid}/meetings/{meeting.uuid}/edit/", _post(purpose="Nyt")
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.purpose == "Lægge en fælles plan"


def test_stale_version_conflicts(citizen, caseworker):
    meeting = _plan(citizen, caseworker).meeting
    services.update_meeting(meeting, caseworker.user, meeting.version, {"purpose": "A"})
    stale = Meeting.objects.get(pk=meeting.pk)
    with pytest.raises(MeetingConflict):
        services.update_meeting(stale, caseworker.user, 1, {"purpose": "B"})
    stale.refresh_from_db()
    assert stale.purpose == "A"


# --- invitations ---------------------------------------------------------------------------


def test_invitations_email_ics_update_and_cancel(
    citizen, caseworker, gp_outside, django_capture_on_commit_callbacks
):
    _consent(citizen, caseworker.user, gp_outside.organisation, [Category.MESSAGES])
    with django_capture_on_commit_callbacks(execute=True):
        meeting = services.plan_meeting(
            caseworker.user,
            citizen,
            _data(),
            [
                ParticipantSpec(membership=gp_outside, role=ParticipantRole.PROFESSIONAL),
                ParticipantSpec(name="Tolk", role=ParticipantRole.INTERPRETER, email="t@x.dk"),
            ],
        ).meeting
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["t@x.dk"]
    assert citizen.family_name not in message.subject + message.body
    (name, content, mimetype) = message.attachments[0]
    event = Calendar.from_ical(content).walk("VEVENT")[0]
    assert str(event["UID"]) == meeting.ical_uid and int(event["SEQUENCE"]) == 0
    assert Calendar.from_ical(content)["METHOD"] == "REQUEST"
    gp = meeting.participants.get(membership=gp_outside)
    assert gp.invitation == InvitationState.CARECOMMUNICATION
    assert OutboxEntry.objects.filter(kind="carecommunication").count() == 1

    with django_capture_on_commit_callbacks(execute=True):
        services.update_meeting(
            meeting, caseworker.user, meeting.version, {"starts_at": _at(8), "ends_at": _at(8, 11)}
        )
    update = Calendar.from_ical(mail.outbox[1].attachments[0][1]).walk("VEVENT")[0]
    assert str(update["UID"]) == meeting.ical_uid and int(update["SEQUENCE"]) == 1
    assert OutboxEntry.objects.filter(kind="carecommunication").count() == 2  # a reply

    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_meeting(meeting, caseworker.user, meeting.version, "Aflyst")
    cancel = Calendar.from_ical(mail.outbox[2].attachments[0][1])
    assert cancel["METHOD"] == "CANCEL"
    assert int(cancel.walk("VEVENT")[0]["SEQUENCE"]) == 2
    assert InvitationEmail.objects.filter(sent_at__isnull=False).count() == 3


def test_gp_without_consent_gets_no_message(citizen, caseworker, gp_outside):
    meeting = services.plan_meeting(
        caseworker.user,
        citizen,
        _data(),
        [ParticipantSpec(membership=gp_outside, role=ParticipantRole.PROFESSIONAL)],
    ).meeting
    gp = meeting.participants.get(membership=gp_outside)
    assert gp.invitation == InvitationState.CONSENT_MISSING
    assert not OutboxEntry.objects.exists()


def test_agenda_pdf(citizen, caseworker, client_for):
    meeting = _plan(citizen, caseworker).meeting
    response = client_for(caseworker).get(
        f"/citizens/{citizen.uuid}/meetings/{meeting.uuid}/agenda.pdf"
    )
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")


# --- minutes -------------------------------------------------------------------------------


def _minutes_with(citizen, caseworker, n=3):
    meeting = _plan(citizen, caseworker, starts_at=_at(-1), ends_at=_at(-1, 11)).meeting
    minutes = services.start_minutes(meeting, caseworker.user)
    member = citizen.memberships.get(role=NetworkRole.COORDINATOR)
    for i in range(n):
        services.add_decision(
            minutes,
            caseworker.user,
            {
                "topic": f"Emne {i}",
                "agreed": f"Aftale {i}",
                "who": "Sagsbehandler",
                "responsible": member,
                "due_on": timezone.localdate() + datetime.timedelta(days=30),
            },
        )
    return meeting, minutes


def _to_plan_url(citizen, meeting, decision) -> str:
    base = f"/citizens/{citizen.uuid}/meetings/{meeting.uuid}"
    return f"{base}/minutes/decisions/{decision.uuid}/to-plan/"


def test_decision_becomes_activity_linked_to_meeting(citizen, caseworker, plan, client_for):
    meeting, minutes = _minutes_with(citizen, caseworker)
    decision = minutes.decisions.first()
    client = client_for(caseworker)
    url = _to_plan_url(citizen, meeting, decision)
    response = client.post(
        url, {"plan_version": plan.version, "make": "activity", "legal_basis": "lab"}
    )
    assert response.status_code == 302
    decision.refresh_from_db()
    activity = Activity.objects.get(pk=decision.activity_id)
    assert activity.title == "Aftale 0" and activity.legal_basis == "lab"
    assert activity.ends_on == decision.due_on
    history = client.get(f"/citizens/{citizen.uuid}/plan/history/").content.decode()
    assert f"/meetings/{meeting.uuid}/" in history
    assert "from meeting" in history or "fra møde" in history
    # Another decision as a sub-goal.
    second = minutes.decisions.all()[1]
    plan.refresh_from_db()
    services.decision_to_plan(second, caseworker.user, plan.version, as_goal=True)
    assert Goal.objects.filter(title="Aftale 1").exists()


def test_decision_on_changed_plan_conflicts_and_stores_nothing(
    citizen, caseworker, plan, client_for
):
    meeting, minutes = _minutes_with(citizen, caseworker)
    seen = plan.version
    plan_services.update_plan(plan, caseworker.user, plan.version, {"final_goal": "Job"})
    decision = minutes.decisions.first()
    versions = PlanVersion.objects.count()
    with pytest.raises(PlanConflict):
        services.decision_to_plan(decision, caseworker.user, seen)
    client = client_for(caseworker)
    url = _to_plan_url(citizen, meeting, decision)
    response = client.post(url, {"plan_version": seen, "make": "activity", "legal_basis": "lab"})
    assert response.status_code == 409
    assert "someone else changed the plan" in response.content.decode()
    decision.refresh_from_db()
    assert decision.plan_version is None and decision.activity_id is None
    assert not Activity.objects.exists() and PlanVersion.objects.count() == versions


def test_approved_minutes_are_locked_and_corrections_are_versions(citizen, caseworker):
    meeting, minutes = _minutes_with(citizen, caseworker, n=2)
    services.save_minutes(
        minutes,
        caseworker.user,
        {"check_overview": 2, "check_meeting": 1, "check_agreed": 1, "check_optimism": 3},
    )
    services.approve_minutes(minutes, caseworker.user)
    with pytest.raises(Exception, match="locked"):
        services.add_decision(minutes, caseworker.user, {"topic": "x", "agreed": "y", "who": "z"})
    with pytest.raises(Exception, match="locked"):
        services.save_minutes(minutes, caseworker.user, {"summary": "ændret"})
    correction = services.correct_minutes(minutes, caseworker.user)
    assert correction.number == 2 and correction.state == MinutesState.DRAFT
    assert correction.decisions.count() == 2 and correction.check_optimism == 3
    minutes.refresh_from_db()
    assert minutes.state == MinutesState.APPROVED and minutes.summary == ""


def test_check_answers_outside_1_to_5_refused(citizen, caseworker, client_for):
    meeting, minutes = _minutes_with(citizen, caseworker, n=0)
    response = client_for(caseworker).post(
        f"/citizens/{citizen.uuid}/meetings/{meeting.uuid}/minutes/", {"check_overview": "9"}
    )
    assert response.status_code == 422
    minutes.refresh_from_db()
    assert minutes.check_overview is None


def test_send_approved_minutes_as_carecommunication(citizen, caseworker, gp_outside, client_for):
    _consent(citizen, caseworker.user, gp_outside.organisation, [Category.MESSAGES])
    meeting = services.plan_meeting(
        caseworker.user,
        citizen,
        _data(starts_at=_at(-1), ends_at=_at(-1, 11)),
        [ParticipantSpec(membership=gp_outside, role=ParticipantRole.PROFESSIONAL)],
    ).meeting
    minutes = services.start_minutes(meeting, caseworker.user)
    services.add_decision(minutes, caseworker.user, {"topic": "T", "agreed": "A", "who": "W"})
    services.approve_minutes(minutes, caseworker.user)
    client = client_for(caseworker)
    url = f"/citizens/{citizen.uuid}/meetings/{meeting.uuid}/minutes/send/"
    before = OutboxEntry.objects.count()
    client.post(url)
    assert OutboxEntry.objects.count() == before  # no consent to minutes yet
    _consent(citizen, caseworker.user, gp_outside.organisation, [Category.MINUTES])
    client.post(url)
    assert OutboxEntry.objects.count() == before + 1


# --- access --------------------------------------------------------------------------------


def test_outsider_gets_404_and_is_audited(citizen, caseworker, outsider, client_for):
    meeting = _plan(citizen, caseworker).meeting
    client = client_for(outsider)
    for url in (
        f"/citizens/{citizen.uuid}/meetings/",
        f"/citizens/{citizen.uuid}/meetings/{meeting.uuid}/",
        f"/citizens/{citizen.uuid}/meetings/{meeting.uuid}/minutes/",
    ):
        response = client.get(url)
        assert response.status_code == 404
        assert citizen.family_name not in response.content.decode()
    assert AuditEntry.objects.filter(action="refused", user_id=outsider.user_id).exists()


def test_member_without_consent_sees_no_minutes(citizen, caseworker, psych, client_for):
    meeting, minutes = _minutes_with(citizen, caseworker, n=1)
    services.save_minutes(minutes, caseworker.user, {"summary": "HEMMELIGT-REFERAT"})
    client = client_for(psych)
    page = client.get(f"/citizens/{citizen.uuid}/meetings/{meeting.uuid}/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "HEMMELIGT-REFERAT" not in body and "Aftale 0" not in body
    assert (
        client.get(f"/citizens/{citizen.uuid}/meetings/{meeting.uuid}/minutes/").status_code == 403
    )
    # With a consent covering minutes, psychiatry sees them; withdrawn, no longer.
    consent = _consent(citizen, caseworker.user, psych.organisation, [Category.MINUTES])
    assert (
        "HEMMELIGT-REFERAT"
        in client.get(f"/citizens/{citizen.uuid}/meetings/{meeting.uuid}/").content.decode()
    )
    from enplan.consent.services import withdraw

    withdraw(consent, caseworker.user, "")
    assert (
        "HEMMELIGT-REFERAT"
        not in client.get(f"/citizens/{citizen.uuid}/meetings/{meeting.uuid}/").content.decode()
    )


def test_member_without_consent_cannot_write_minutes(citizen, caseworker, psych):
    meeting = _plan(citizen, caseworker, starts_at=_at(-1), ends_at=_at(-1, 11)).meeting
    with pytest.raises(Exception, match="You may not"):
        services.start_minutes(meeting, psych.user)
    assert not Minutes.objects.exists()


def test_any_member_adds_agenda_items_until_the_meeting(citizen, caseworker, psych):
    meeting = _plan(citizen, caseworker).meeting
    services.add_agenda_item(meeting, psych.user, "Medicinen", 4)
    assert meeting.agenda.filter(title="Medicinen", origin=psych.organisation).exists()
    past = _plan(citizen, caseworker, starts_at=_at(-2), ends_at=_at(-2, 11)).meeting
    with pytest.raises(Exception, match="agenda is closed"):
        services.add_agenda_item(past, psych.user, "For sent")


def test_my_meetings_lists_upcoming_missing_minutes_and_late_discharge(
    citizen, caseworker, client_for
):
    _plan(citizen, caseworker)
    _plan(citizen, caseworker, starts_at=_at(-10), ends_at=_at(-10, 11))
    services.plan_meeting(
        caseworker.user,
        citizen,
        _data(
            kind=Kind.DISCHARGE,
            # Far enough back that its minutes are overdue on any weekday (two working days
            # after, even across Easter) and it was held after the four-day deadline.
            starts_at=_at(-10),
            ends_at=_at(-10, 11),
            requested_on=timezone.localdate() - datetime.timedelta(days=30),
        ),
        [],
        override_reason="-",
    )
    held = _plan(citizen, caseworker, starts_at=_at(-30), ends_at=_at(-30, 11)).meeting
    minutes = services.start_minutes(held, caseworker.user)
    services.save_minutes(
        minutes, caseworker.user, {"next_followup_on": timezone.localdate() - timedelta(days=20)}
    )
    services.approve_minutes(minutes, caseworker.user)
    lists = services.my_meetings(caseworker.user)
    assert len(lists["followups_due"]) == 0  # meetings were held after the follow-up date
    Minutes.objects.filter(pk=minutes.pk).update(
        next_followup_on=timezone.localdate() - timedelta(days=1)
    )
    lists = services.my_meetings(caseworker.user)
    assert [f.pk for f in lists["followups_due"]] == []  # the coming meeting covers it
    Meeting.objects.filter(starts_at__gte=timezone.now()).update(status=Status.CANCELLED)
    lists = services.my_meetings(caseworker.user)
    assert [f.pk for f in lists["followups_due"]] == [minutes.pk]
    assert len(lists["upcoming"]) == 0
    Meeting.objects.filter(starts_at__gte=timezone.now()).update(status=Status.PLANNED)
    lists = services.my_meetings(caseworker.user)
    assert len(lists["upcoming"]) == 1
    assert len(lists["minutes_missing"]) == 2
    assert len(lists["discharge_late"]) == 1
    response = client_for(caseworker).get("/meetings/")
    assert response.status_code == 200


def test_caseload_shows_next_meeting_and_the_meetings_that_need_attention(
    citizen, caseworker, outsider, client_for
):
    later = _plan(citizen, caseworker, starts_at=_at(9), ends_at=_at(9, 11)).meeting
    sooner = _plan(citizen, caseworker, starts_at=_at(3), ends_at=_at(3, 11)).meeting
    _plan(citizen, caseworker, starts_at=_at(-10), ends_at=_at(-10, 11))  # no minutes yet
    client = client_for(caseworker)
    page = client.get("/citizens/").content.decode()
    # The next planned meeting, not a later or a past one, linked from the citizen's row.
    assert f"/meetings/{sooner.uuid}/" in page
    assert str(later.uuid) not in page
    assert 'hx-get="/meetings/summary/"' in page
    assert client.get("/meetings/summary/")["Location"] == "/meetings/"  # without htmx
    summary = client.get("/meetings/summary/", headers={"HX-Request": "true"}).content.decode()
    assert "2 upcoming meetings" in summary
    assert "1 meeting without minutes" in summary
    assert citizen.given_name not in summary  # counts only
    # A cancelled meeting is not the next one.
    Meeting.objects.filter(pk=sooner.pk).update(status=Status.CANCELLED)
    page = client.get("/citizens/").content.decode()
    assert f"/meetings/{later.uuid}/" in page and str(sooner.uuid) not in page
    # Someone outside every network has no caseload row and no meetings to count.
    outside = client_for(outsider).get("/meetings/summary/", headers={"HX-Request": "true"})
    assert "0 upcoming meetings" in outside.content.decode()


def test_the_worker_reminds_the_convener_once_of_missing_minutes(citizen, caseworker, settings):
    from enplan.core import jobs

    caseworker.email = "mette@jobcenter.example"
    caseworker.save()
    held = _plan(citizen, caseworker, starts_at=_at(-10), ends_at=_at(-10, 11)).meeting
    _plan(citizen, caseworker, starts_at=_at(-1), ends_at=_at(-1, 11))  # not due yet
    remind = jobs.get("meetings.reminders").func
    mail.outbox.clear()
    assert remind() == {"minutes_missing_reminded": 1}
    assert remind() == {"minutes_missing_reminded": 0}  # once, however often the job runs
    [message] = mail.outbox
    assert message.to == ["mette@jobcenter.example"]
    assert f"/citizens/{citizen.uuid}/meetings/{held.uuid}/minutes/" in message.body
    for secret in (citizen.given_name, citizen.family_name, citizen.cpr):
        assert secret not in message.subject + message.body
    # Approved minutes end it (the record of the sent reminder aside).
    from enplan.core.models import SentReminder

    SentReminder.objects.all().delete()
    minutes = services.start_minutes(held, caseworker.user)
    services.approve_minutes(minutes, caseworker.user)
    assert remind() == {"minutes_missing_reminded": 0}


def test_a_reminder_that_could_not_be_sent_is_tried_again(db, settings):
    from enplan.core.models import SentReminder
    from enplan.core.reminders import send_once

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 1
    assert send_once("test:1", ["a@example.org"], "Emne", "Tekst") is False
    assert not SentReminder.objects.exists()  # not recorded: the next run tries again
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert send_once("test:1", ["a@example.org"], "Emne", "Tekst") is True
    assert send_once("test:1", ["a@example.org"], "Emne", "Tekst") is False
    assert send_once("test:2", [""], "Emne", "Tekst") is False  # nobody to tell


# --- query counts --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "page", ["list", "detail", "minutes", "mine", "api_list", "api_minutes", "plan"]
)
def test_query_counts_do_not_grow(page, citizen, caseworker, client_for, django_assert_num_queries):
    client = client_for(caseworker)

    def build(n_meetings, n_decisions, offset):
        last = None
        for i in range(n_meetings):
            meeting = services.plan_meeting(
                caseworker.user,
                citizen,
                _data(starts_at=_at(offset + i), ends_at=_at(offset + i, 11)),
                [ParticipantSpec(name=f"P{i}", role=ParticipantRole.RELATIVE)],
                override_reason="ok",
            ).meeting
            minutes = services.start_minutes(meeting, caseworker.user)
            for j in range(n_decisions):
                services.add_decision(
                    minutes, caseworker.user, {"topic": f"T{j}", "agreed": "A", "who": "W"}
                )
            last = meeting
        return last

    def url(meeting):
        base = f"/citizens/{citizen.uuid}/meetings/"
        return {
            "list": base,
            "detail": f"{base}{meeting.uuid}/",
            "minutes": f"{base}{meeting.uuid}/minutes/",
            "mine": "/meetings/",
            "api_list": f"/api/v1/citizens/{citizen.uuid}/meetings",
            "api_minutes": f"/api/v1/citizens/{citizen.uuid}/meetings/{meeting.uuid}/minutes",
            "plan": f"/citizens/{citizen.uuid}/plan/",
        }[page]

    sign = 1 if page == "plan" else -1  # the plan's timeline shows coming meetings
    small = build(2, 1, sign * 40)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url(small)).status_code == 200
    n = len(ctx.captured_queries)
    big = build(8, 6, sign * 30 if sign < 0 else 50)
    with django_assert_num_queries(n):
        assert client.get(url(big)).status_code == 200


# --- API and FHIR --------------------------------------------------------------------------


def _api_meeting(client, citizen, **over):
    body = {
        "kind": "planning",
        "purpose": "Fælles plan",
        "working_question": "Næste skridt?",
        "starts_at": _at(6).isoformat(),
        "place_kind": "clinic",
        "participants": [{"name": "Tolk", "role": "interpreter", "email": "t@x.dk"}],
    }
    body.update(over)
    return client.post(
        f"/api/v1/citizens/{citizen.uuid}/meetings", body, content_type="application/json"
    )


def test_api_plans_meeting_and_refuses_bad_input(citizen, caseworker, client_for):
    client = client_for(caseworker)
    response = _api_meeting(client, citizen)
    assert response.status_code == 201, response.content
    body = response.json()
    assert len(body["agenda"]) == 5 and body["version"] == 1
    assert {p["role"] for p in body["participants"]} == {"citizen", "professional", "interpreter"}
    for bad, message in (
        ({"ends_at": _at(6, 9).isoformat()}, "end after it starts"),
        ({"purpose": ""}, "must have one"),
        ({"participants": [{"name": "Bror"}]}, "Choose a role for Bror"),
        ({"place_kind": "moon"}, "Choose one of"),
        ({"kind": "party"}, "Choose one of"),
        ({"participants": [{"name": "B", "role": "relative", "email": "nope"}]}, "e-mail"),
    ):
        response = _api_meeting(client, citizen, **bad)
        assert response.status_code == 422, (bad, response.content)
        assert message in response.content.decode(), (bad, response.content)
    assert Meeting.objects.count() == 1
    # Double-booked: a warning with a reason to override.
    response = _api_meeting(client, citizen, starts_at=_at(6, 13).isoformat())
    assert response.status_code == 422 and "already has" in response.json()["detail"]
    response = _api_meeting(
        client, citizen, starts_at=_at(6, 13).isoformat(), override_reason="Ønsket af borgeren"
    )
    assert response.status_code == 201


def test_api_update_cancel_and_stale_version(citizen, caseworker, client_for):
    client = client_for(caseworker)
    meeting_id = _api_meeting(client, citizen).json()["id"]
    url = f"/api/v1/citizens/{citizen.uuid}/meetings/{meeting_id}"
    response = client.patch(url, {"version": 1, "purpose": "Ny"}, content_type="application/json")
    assert response.status_code == 200 and response.json()["version"] == 2
    response = client.patch(url, {"version": 1, "purpose": "Gl"}, content_type="application/json")
    assert response.status_code == 409
    response = client.post(
        f"{url}/cancel", {"version": 2, "reason": "Syg"}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    response = client.patch(url, {"version": 3, "purpose": "X"}, content_type="application/json")
    assert response.status_code == 422 and "cancelled" in response.json()["detail"]


def test_api_minutes_decisions_to_plan_and_consent(citizen, caseworker, psych, plan, client_for):
    client = client_for(caseworker)
    meeting_id = _api_meeting(client, citizen, starts_at=_at(-1).isoformat()).json()["id"]
    base = f"/api/v1/citizens/{citizen.uuid}/meetings/{meeting_id}/minutes"
    response = client.put(
        base, {"summary": "HEMMELIGT", "check_overview": 2}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["check_overview"] == 2
    assert client.put(base, {"check_agreed": 7}, content_type="application/json").status_code == 422
    decision = client.post(
        f"{base}/decisions",
        {"topic": "Job", "agreed": "Praktik i butik", "who": "JC"},
        content_type="application/json",
    ).json()
    stale = plan.version
    plan_services.update_plan(plan, caseworker.user, plan.version, {"final_goal": "Job"})
    to_plan = f"{base}/decisions/{decision['id']}/to-plan"
    response = client.post(to_plan, {"plan_version": stale}, content_type="application/json")
    assert response.status_code == 409 and not Activity.objects.exists()
    plan.refresh_from_db()
    response = client.post(to_plan, {"plan_version": plan.version}, content_type="application/json")
    assert response.status_code == 200 and response.json()["activity_id"]
    assert client.post(f"{base}/approve").status_code == 200
    response = client.post(
        f"{base}/decisions",
        {"topic": "x", "agreed": "y", "who": "z"},
        content_type="application/json",
    )
    assert response.status_code == 422 and "locked" in response.json()["detail"]
    other = client_for(psych)
    response = other.get(base)
    assert response.status_code == 403 and "HEMMELIGT" not in response.content.decode()


def test_fhir_appointment_validates(citizen, caseworker, outsider, client_for):
    from fhir.resources.R4B.appointment import Appointment

    client = client_for(caseworker)
    meeting_id = _api_meeting(client, citizen).json()["id"]
    response = client.get(f"/fhir/r4/Appointment/{meeting_id}")
    assert response.status_code == 200
    resource = Appointment.model_validate_json(response.content)
    assert resource.status == "booked" and resource.serviceType[0].coding[0].code == "planning"
    assert any(p.actor.reference == f"Patient/{citizen.uuid}" for p in resource.participant)
    assert client_for(outsider).get(f"/fhir/r4/Appointment/{meeting_id}").status_code == 404


def test_demo_seeds_meetings_with_decisions(db):
    from django.core.management import call_command

    call_command("seed_demo", stdout=None)
    assert Meeting.objects.filter(kind=Kind.PLANNING, status=Status.HELD).count() == 6
    assert Meeting.objects.filter(kind=Kind.NETWORK, status=Status.PLANNED).count() == 6
    assert Decision.objects.count() == 18
    assert Decision.objects.filter(activity__isnull=False).count() == 6
    assert Minutes.objects.filter(state=MinutesState.APPROVED, check_overview=2).count() == 6


def test_failed_invitation_is_kept_and_retried(citizen, caseworker, settings):
    from django.core.management import call_command

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 1
    services.plan_meeting(
        caseworker.user,
        citizen,
        _data(),
        [ParticipantSpec(name="Tolk", role=ParticipantRole.INTERPRETER, email="t@x.dk")],
    )
    from enplan.meetings.invitations import deliver

    assert deliver() == (0, 1)
    row = InvitationEmail.objects.get()
    assert row.sent_at is None and row.attempts == 1 and row.last_error
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # The worker's job retries it (the command does the same by hand).
    from enplan.core import jobs

    assert jobs.get("meetings.invitations").func() == {"sent": 1, "failed": 0}
    row.refresh_from_db()
    assert row.sent_at is not None and len(mail.outbox) == 1
    call_command("send_meeting_invitations")
    assert len(mail.outbox) == 1  # sent once


def test_plan_page_shows_coming_meetings_beside_activities(citizen, caseworker, plan, client_for):
    meeting = _plan(citizen, caseworker).meeting
    _plan(citizen, caseworker, starts_at=_at(200), ends_at=_at(200, 11))  # beyond 3 months
    body = client_for(caseworker).get(f"/citizens/{citizen.uuid}/plan/").content.decode()
    assert f"/meetings/{meeting.uuid}/" in body
    assert body.count('class="tl-event"') == 1


def test_cooperation_meetings_due_and_planned(citizen, caseworker, psych, client_for):
    client = client_for(caseworker)
    page = client.get("/meetings/").content.decode()
    assert psych.organisation.name in page  # due: 0 of 2 held
    from enplan.meetings.models import CooperationMeeting

    response = client.post(
        "/meetings/cooperation/new/",
        {"purpose": "", "starts_at": _at(3).strftime("%Y-%m-%dT%H:%M")},
    )
    assert response.status_code == 422 and not CooperationMeeting.objects.exists()
    response = client.post(
        "/meetings/cooperation/new/",
        {
            "purpose": "Gensidige træffetider",
            "starts_at": _at(-3).strftime("%Y-%m-%dT%H:%M"),
            "partners": [psych.organisation_id],
        },
    )
    assert response.status_code == 302
    meeting = CooperationMeeting.objects.get()
    assert set(meeting.organisations.all()) == {caseworker.organisation, psych.organisation}
    for _i in range(2):
        other = services.plan_cooperation(
            caseworker.user,
            {"purpose": "Møde", "starts_at": _at(-5), "ends_at": _at(-5, 12)},
            [psych.organisation],
        )
        client.post(f"/meetings/cooperation/{other.uuid}/held/")
    assert services.cooperation_due(caseworker.user) == []


def test_participant_taken_off_gets_a_cancellation(
    citizen, caseworker, django_capture_on_commit_callbacks
):
    stays = ParticipantSpec(name="Bror", role=ParticipantRole.RELATIVE, email="b@x.dk")
    goes = ParticipantSpec(name="Tolk", role=ParticipantRole.INTERPRETER, email="t@x.dk")
    with django_capture_on_commit_callbacks(execute=True):
        meeting = services.plan_meeting(caseworker.user, citizen, _data(), [stays, goes]).meeting
    with django_capture_on_commit_callbacks(execute=True):
        services.update_meeting(meeting, caseworker.user, meeting.version, {}, [stays])
    sent = {(m.to[0], Calendar.from_ical(m.attachments[0][1])["METHOD"]) for m in mail.outbox}
    assert ("t@x.dk", "CANCEL") in sent and ("b@x.dk", "REQUEST") in sent
    assert not meeting.participants.filter(name="Tolk").exists()
    assert meeting.participants.filter(name="Bror").count() == 1
