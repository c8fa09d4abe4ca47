"""Browser, real Chromium: the whole meeting flow of issue 12.

A caseworker plans a planning meeting with an interpreter and the GP (whose practice does not
use enplan). The calendar invitations arrive at a real SMTP server started here, and the
attached .ics parses; the GP's invitation is queued as CareCommunication. The minutes get
three decisions, two become plan activities, and the plan history links them to the meeting;
the citizen's four-item check is stored.
"""

import datetime
import email
import os
import socket
import time

import pytest
from aiosmtpd.controller import Controller
from django.utils import timezone
from icalendar import Calendar
from playwright.sync_api import expect

from enplan.consent.models import Category, Consent
from enplan.consent.services import give, withdraw
from enplan.meetings.models import Decision, Meeting, Minutes
from enplan.messaging.models import OutboxEntry
from enplan.network.models import NetworkRole
from enplan.network.services import add_member
from enplan.organisations.models import Profession, Sector

from .conftest import browser_login, make_org, make_professional

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


class Inbox:
    def __init__(self):
        self.messages: list[email.message.Message] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 Message accepted"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp(settings):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    yield inbox
    controller.stop()


def _wait_for(inbox: Inbox, n: int) -> None:
    deadline = time.monotonic() + 10
    while len(inbox.messages) < n and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(inbox.messages) >= n, f"{len(inbox.messages)} e-mails arrived, expected {n}"


def _ics(message) -> Calendar:
    for part in message.walk():
        if part.get_content_type() == "text/calendar":
            return Calendar.from_ical(part.get_payload(decode=True))
    raise AssertionError("no text/calendar part")


def test_plan_meeting_invite_minutes_to_plan(
    page, browser, live_server, smtp, citizen, caseworker, psych
):
    citizen.needs_interpreter = True
    citizen.interpreter_language = "ar"
    citizen.interpreter_dialect = "Irakisk arabisk"
    citizen.save()
    psych.email = "lene@psykiatri.test"
    psych.save()
    practice = make_org("Lægerne i Søborg", Sector.GENERAL_PRACTICE, "900000000000009")
    practice.uses_enplan = False
    practice.save()
    gp = make_professional("karin", practice, Profession.GP)
    gp_member = add_member(citizen, caseworker.user, role=NetworkRole.GP, professional=gp)
    psych_member = citizen.memberships.get(professional=psych)
    give(
        citizen,
        caseworker.user,
        Consent(
            source_organisation=caseworker.organisation,
            recipient_organisation=practice,
            categories=[Category.MESSAGES],
            purpose="Planlægningsmøde",
            valid_from=timezone.localdate(),
            given_how="written",
        ),
    )
    starts = timezone.localtime() + datetime.timedelta(days=5)

    browser_login(page, caseworker)
    page.goto(f"/citizens/{citizen.uuid}/")
    page.locator("nav.tabs a[href$='/meetings/']").click()
    page.locator(f"a[href='/citizens/{citizen.uuid}/meetings/new/']").click()
    page.select_option("select[name=kind]", "planning")
    page.fill("textarea[name=purpose]", "Lægge en fælles plan for behandling og job")
    page.fill("textarea[name=working_question]", "Hvornår kan Anna starte i praktik?")
    page.fill("input[name=starts_at]", starts.strftime("%Y-%m-%dT10:00"))
    page.select_option("select[name=place_kind]", "clinic")
    page.select_option("select[name=interpreter_status]", "requested")
    page.select_option("select[name=interpreter_booked_by]", str(caseworker.pk))
    page.check(f"input[name=members][value='{psych_member.pk}']")
    page.check(f"input[name=members][value='{gp_member.pk}']")
    page.fill("input[name=outside-0-name]", "Tolk Ali")
    page.select_option("select[name=outside-0-role]", "interpreter")
    page.fill("input[name=outside-0-email]", "tolk@tolkebureau.test")
    page.locator("form button.primary").click()

    meeting = Meeting.objects.get()
    expect(page).to_have_url(f"/citizens/{citizen.uuid}/meetings/{meeting.uuid}/")
    expect(page.locator(".participants")).to_contain_text("Tolk Ali")
    expect(page.locator(".meeting-facts")).to_contain_text("Irakisk arabisk")
    expect(page.locator("ol.agenda li")).to_have_count(5)  # the five conversation areas

    # Invitations: the interpreter and psychiatry by e-mail with a parsable .ics …
    _wait_for(smtp, 2)
    recipients = {m["To"] for m in smtp.messages}
    assert recipients == {"tolk@tolkebureau.test", "lene@psykiatri.test"}
    for message in smtp.messages:
        event = _ics(message).walk("VEVENT")[0]
        assert str(event["UID"]) == meeting.ical_uid
        assert event.decoded("DTSTART") == meeting.starts_at
        assert citizen.family_name not in message.as_string()
    # … the GP outside enplan as CareCommunication in the outbox.
    queued = OutboxEntry.objects.get(kind="carecommunication", receiver_sor=practice.sor_code)
    assert "Hvornår kan Anna starte i praktik?" in queued.payload

    # Minutes: attendance, the citizen's check, three decisions.
    page.get_by_role("link", name="Skriv referatet").first.click()
    for p in meeting.participants.all():
        page.check(f"input[name=attended][value='{p.pk}']")
    for name, value in (
        ("check_overview", "2"),
        ("check_meeting", "1"),
        ("check_agreed", "1"),
        ("check_optimism", "3"),
    ):
        page.select_option(f"select[name={name}]", value)
    page.locator("form.minutes-form button.primary").click()
    expect(page.locator(".messages")).to_be_visible()
    for topic, agreed in (
        ("Praktik", "Anna starter i praktik 10 timer om ugen"),
        ("Behandling", "Samtaler i lokalpsykiatrien hver 14. dag"),
        ("Økonomi", "Sagsbehandler undersøger boligstøtte"),
    ):
        page.fill("form.decision-form input[name=topic]", topic)
        page.fill("form.decision-form textarea[name=agreed]", agreed)
        page.fill("form.decision-form input[name=who]", "Mette (jobcenter)")
        page.locator("form.decision-form button").click()
        expect(page.locator("table.decisions")).to_contain_text(agreed)
    for _ in range(2):
        page.locator("form.to-plan button").first.click()
        expect(page.locator(".messages")).to_be_visible()
    assert Decision.objects.filter(activity__isnull=False).count() == 2
    minutes = Minutes.objects.get()
    assert (
        minutes.check_overview,
        minutes.check_meeting,
        minutes.check_agreed,
        minutes.check_optimism,
    ) == (2, 1, 1, 3)
    assert set(meeting.participants.values_list("attended", flat=True)) == {True}

    page.goto(f"/citizens/{citizen.uuid}/meetings/{meeting.uuid}/minutes/")
    if os.environ.get("ENPLAN_SCREENSHOTS"):  # README picture: ENPLAN_SCREENSHOTS=docs/img
        page.screenshot(
            path=f"{os.environ['ENPLAN_SCREENSHOTS']}/meeting-minutes.png", full_page=True
        )

    # Psychiatry sees the minutes only while a consent covers them.
    psych_ctx = browser.new_context(base_url=live_server.url, locale="da-DK")
    psych_page = psych_ctx.new_page()
    browser_login(psych_page, psych)
    psych_page.goto(f"/citizens/{citizen.uuid}/meetings/{meeting.uuid}/")
    expect(psych_page.locator(".not-shared")).to_be_visible()
    expect(psych_page.locator("body")).not_to_contain_text("Anna starter i praktik")
    consent = give(
        citizen,
        caseworker.user,
        Consent(
            source_organisation=caseworker.organisation,
            recipient_organisation=psych.organisation,
            categories=[Category.MINUTES],
            purpose="Fælles plan",
            valid_from=timezone.localdate(),
            given_how="written",
        ),
    )
    psych_page.reload()
    expect(psych_page.locator("table.decisions")).to_contain_text("Anna starter i praktik")
    withdraw(consent, caseworker.user, "")
    psych_page.reload()
    expect(psych_page.locator(".not-shared")).to_be_visible()
    psych_ctx.close()

    page.goto(f"/citizens/{citizen.uuid}/plan/history/")
    meeting_url = f"/citizens/{citizen.uuid}/meetings/{meeting.uuid}/"
    links = page.locator(f"table.history a[href='{meeting_url}']")
    expect(links).to_have_count(2)
    expect(page.locator("table.history")).to_contain_text("Anna starter i praktik")
    page.goto(f"/citizens/{citizen.uuid}/plan/")
    expect(page.locator("body")).to_contain_text("Samtaler i lokalpsykiatrien hver 14. dag")
