"""The citizen asks, in Min plan, for an interpreter or another place for an upcoming meeting;
the convener or the coordinating caseworker answers on the staff meeting page; she sees the
answer. Her certificate requests are listed for her in plain words."""

import datetime
import re

import pytest
from django.test import Client
from django.utils import timezone

from enplan.audit.models import AuditEntry
from enplan.meetings import services as meetings
from enplan.meetings.models import InterpreterStatus, InvitationEmail, MeetingRequest
from enplan.network.models import NetworkRole
from enplan.network.services import add_member
from enplan.portal.models import Comment

from .conftest import make_citizen, make_professional
from .test_portal import citizen_client


def _meeting(citizen, convener, days=7, **extra):
    start = timezone.now() + datetime.timedelta(days=days)
    return meetings.plan_meeting(
        convener.user,
        citizen,
        {
            "kind": "network",
            "purpose": "Status på planen",
            "working_question": "Hvad er næste skridt?",
            "starts_at": start,
            "ends_at": start + datetime.timedelta(hours=1),
            "place_kind": "jobcenter",
            **extra,
        },
        [],
        override_reason="ok",
    ).meeting


def _ask(client, meeting, **data):
    return client.post(f"/portal/meetings/{meeting.uuid}/ask/", data, follow=True)


def _staff(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _answer(client, req, **data):
    meeting = req.meeting
    return client.post(
        f"/citizens/{meeting.citizen.uuid}/meetings/{meeting.uuid}/requests/{req.uuid}/answer/",
        data,
        follow=True,
    )


@pytest.fixture
def meeting(citizen, caseworker, plan):
    return _meeting(citizen, caseworker)


def test_she_asks_for_an_interpreter_and_the_coordinator_accepts(citizen, caseworker, meeting):
    client = citizen_client(citizen)
    page = client.get("/portal/meetings/").content.decode()
    assert "Bed om tolk eller et andet sted" in page
    response = _ask(client, meeting, kind="interpreter", language="ar", dialect="Irakisk")
    assert "Vi har bedt om en tolk til dig" in response.content.decode()
    req = MeetingRequest.objects.get()
    assert (req.language, req.dialect, req.status) == ("ar", "Irakisk", "pending")
    page = client.get("/portal/meetings/").content.decode()
    assert "Venter på svar" in page
    assert 'value="interpreter"' not in page and 'value="place"' in page  # not offered twice
    assert req.requested_by.citizen_login.citizen == citizen
    # audited as written by the citizen, and her caseworker is told through her notes
    assert AuditEntry.objects.filter(
        action="create", citizen_uuid=citizen.uuid, object_type__icontains="request"
    ).exists()
    note = Comment.objects.get(meeting_request=req)
    assert note.citizen == citizen
    notes = _staff(caseworker.user).get(f"/citizens/{citizen.uuid}/citizen-notes/")
    assert "Arabisk" in notes.content.decode()
    # the staff meeting page shows it, with the answer form for the coordinator
    staff = _staff(caseworker.user)
    detail = staff.get(f"/citizens/{citizen.uuid}/meetings/{meeting.uuid}/").content.decode()
    assert "Borgerens ønsker" in detail and "Irakisk" in detail and 'value="accept"' in detail
    _answer(staff, req, decision="accept", answer="Vi bestiller en tolk")
    req.refresh_from_db()
    meeting.refresh_from_db()
    assert req.status == "accepted" and req.answered_by == caseworker.user
    assert meeting.interpreter_language == "ar" and meeting.interpreter_dialect == "Irakisk"
    assert meeting.interpreter_status == InterpreterStatus.TO_BOOK
    page = client.get("/portal/meetings/").content.decode()
    assert "Ja – det er ordnet" in page and "Vi bestiller en tolk" in page


def test_accepting_another_place_changes_the_meeting_and_sends_the_update(
    citizen, caseworker, meeting
):
    client = citizen_client(citizen)
    meeting.participants.filter(role="professional").update(email="mette@example.org")
    _ask(client, meeting, kind="place", place_kind="home", note="Ikke før kl. 10")
    req = MeetingRequest.objects.get()
    emails = InvitationEmail.objects.count()
    staff = _staff(caseworker.user)
    page = _answer(staff, req, decision="accept", place_detail="Søvej 3", answer="Vi kommer")
    assert "godkendt" in page.content.decode()
    meeting.refresh_from_db()
    assert (meeting.place_kind, meeting.place_detail) == ("home", "Søvej 3")
    assert "Ikke før kl. 10" in meeting.practical_notes
    assert meeting.sequence == 1  # the usual update: same UID, higher SEQUENCE
    assert InvitationEmail.objects.count() > emails


def test_a_decline_needs_an_answer_and_she_sees_it(citizen, caseworker, meeting):
    client = citizen_client(citizen)
    _ask(client, meeting, kind="place", place_kind="online")
    req = MeetingRequest.objects.get()
    staff = _staff(caseworker.user)
    page = _answer(staff, req, decision="decline", answer="")
    assert "Skriv kort, hvorfor" in page.content.decode()
    req.refresh_from_db()
    assert req.status == "pending"
    page = _answer(staff, req, decision="accept", online_link="javascript:alert(1)")
    assert "Angiv linket til onlinemødet" in page.content.decode()
    req.refresh_from_db()
    meeting.refresh_from_db()
    assert req.status == "pending" and meeting.place_kind == "jobcenter"  # nothing half-stored
    _answer(staff, req, decision="decline", answer="Lægen kan kun møde op fysisk")
    req.refresh_from_db()
    meeting.refresh_from_db()
    assert req.status == "declined" and meeting.place_kind == "jobcenter"
    page = client.get("/portal/meetings/").content.decode()
    assert "Nej – se svaret" in page and "Lægen kan kun møde op fysisk" in page
    # answered once only
    page = _answer(staff, req, decision="accept", answer="")
    assert "allerede besvaret" in page.content.decode()


def test_bad_requests_are_refused_with_a_message_and_nothing_stored(
    citizen, caseworker, meeting, plan
):
    client = citizen_client(citizen)
    past = _meeting(citizen, caseworker, days=-3)
    cancelled = _meeting(citizen, caseworker, days=9)
    meetings.cancel_meeting(cancelled, caseworker.user, cancelled.version, "Syg")
    cases = (
        (meeting, {"kind": "interpreter", "language": ""}, "Vælg det sprog"),
        (meeting, {"kind": "interpreter", "language": "xx"}, "Vælg et sprog fra listen"),
        (meeting, {"kind": "place", "place_kind": "moon"}, "Vælg et sted fra listen"),
        (meeting, {"kind": "place", "place_kind": "jobcenter"}, "Mødet er allerede der"),
        (meeting, {"kind": "place", "place_kind": "home", "note": "x" * 301}, "højst 300"),
        (meeting, {"kind": "wish"}, "Vælg, hvad du vil bede om"),
        (past, {"kind": "interpreter", "language": "ar"}, "et møde, der ligger forude"),
        (cancelled, {"kind": "interpreter", "language": "ar"}, "aflyst"),
    )
    for target, data, message in cases:
        page = _ask(client, target, **data)
        assert page.status_code == 200
        assert message in page.content.decode(), data
    assert not MeetingRequest.objects.exists()
    assert not Comment.objects.exists()
    # asking twice while the first is open
    _ask(client, meeting, kind="interpreter", language="ar")
    page = _ask(client, meeting, kind="interpreter", language="tr")
    assert "allerede spurgt" in page.content.decode()
    assert MeetingRequest.objects.count() == 1 and Comment.objects.count() == 1


def test_citizen_a_cannot_ask_for_citizen_bs_meeting(citizen, caseworker, meeting):
    other = make_citizen(caseworker, given_name="Birgit", family_name="Bsen")
    response = citizen_client(other).post(
        f"/portal/meetings/{meeting.uuid}/ask/", {"kind": "interpreter", "language": "ar"}
    )
    assert response.status_code == 404
    assert not MeetingRequest.objects.exists()
    # nor may any staff user ask in her name
    staff = _staff(caseworker.user).post(
        f"/portal/meetings/{meeting.uuid}/ask/", {"kind": "interpreter", "language": "ar"}
    )
    assert staff.status_code == 403
    assert not MeetingRequest.objects.exists()


def test_the_convener_answers_a_member_who_is_neither_may_not(citizen, caseworker, psych, plan):
    meeting = _meeting(citizen, psych)  # psychiatry convenes
    colleague = make_professional("sofie", caseworker.organisation)
    add_member(citizen, None, role=NetworkRole.CASEWORKER, professional=colleague)
    _ask(citizen_client(citizen), meeting, kind="interpreter", language="so")
    req = MeetingRequest.objects.get()
    mine = _staff(psych.user).get("/meetings/").content.decode()
    assert "Borgeren beder om tolk eller et andet sted" in mine  # the convener's list flags it
    detail = _staff(colleague.user).get(f"/citizens/{citizen.uuid}/meetings/{meeting.uuid}/")
    assert 'value="accept"' not in detail.content.decode()  # no button for her
    convener = _staff(psych.user).get(f"/citizens/{citizen.uuid}/meetings/{meeting.uuid}/")
    assert 'value="accept"' in convener.content.decode()  # the convener has it
    response = _staff(colleague.user).post(
        f"/citizens/{citizen.uuid}/meetings/{meeting.uuid}/requests/{req.uuid}/answer/",
        {"decision": "accept"},
    )
    assert response.status_code == 403
    req.refresh_from_db()
    assert req.status == "pending"
    assert AuditEntry.objects.filter(
        action="refused", context__reason="meetings.answer_request"
    ).exists()
    _answer(_staff(psych.user), req, decision="accept", answer="")
    req.refresh_from_db()
    assert req.status == "accepted" and req.answered_by == psych.user
    assert "Borgeren beder om" not in _staff(psych.user).get("/meetings/").content.decode()


# --- her certificate requests (issue 14 §1) --------------------------------------------------


def _current_step(page: str) -> str:
    return re.search(r'aria-current="step">(.*?)</li>', page, re.S).group(1)


def test_she_sees_her_certificate_requests_and_their_status(citizen, caseworker, psych, plan):
    from enplan.certificates import services as certificates
    from enplan.certificates.models import CertificateKind
    from enplan.consent.models import Category, Consent
    from enplan.consent.services import give

    give(
        citizen,
        caseworker.user,
        Consent(
            source_organisation=caseworker.organisation,
            recipient_organisation=psych.organisation,
            categories=[Category.MESSAGES],
            purpose="Attest",
            valid_from=timezone.localdate(),
            given_how="written",
        ),
    )
    kind = CertificateKind.objects.get(name__startswith="Statusattest")
    req = certificates.create_request(
        caseworker.user,
        citizen,
        certificates.RequestSpec(
            kind=kind,
            recipient=psych.organisation,
            purpose="Afklaring af praktik",
            questions=["Hvordan er søvnen?", "Kan hun tåle støj?"],
            wanted_by=timezone.localdate() + datetime.timedelta(days=14),
            timing_consulted="yes",
        ),
    )
    client = citizen_client(citizen)
    page = client.get("/portal/certificates/").content.decode()
    for text in (kind.name, psych.organisation.name, "Afklaring af praktik", "Kan hun tåle støj?"):
        assert text in page
    # psychiatry uses enplan: the request is received at once
    assert "De har modtaget forespørgslen" in _current_step(page)
    certificates.record_answer(caseworker.user, req, health_assessment="Bedre søvn")
    req.refresh_from_db()
    certificates.close(caseworker.user, req, used_note="Praktikken blev tilrettelagt efter svaret")
    page = client.get("/portal/certificates/").content.decode()
    assert "Svaret er brugt i din sag" in _current_step(page)
    assert "Praktikken blev tilrettelagt efter svaret" in page
    assert "Bedre søvn" not in page  # the answer's content is the clinic's, not shown here
    assert AuditEntry.objects.filter(
        citizen_uuid=citizen.uuid, object_type="portal_certificates", action="read"
    ).exists()
    # another citizen sees none of it
    other = make_citizen(caseworker, given_name="Birgit", family_name="Bsen")
    assert "Afklaring af praktik" not in citizen_client(other).get("/portal/certificates/").text


# --- the pages with requests on them: valid ids, one language at a time -----------------------


@pytest.mark.parametrize("language", ["da", "en"])
def test_the_pages_with_requests_are_clean(citizen, caseworker, meeting, language):
    from django.conf import settings

    from .pages import Markup
    from .test_i18n_pages import _foreign_strings, _leftovers

    client = citizen_client(citizen)
    _ask(client, meeting, kind="interpreter", language="ar")
    _ask(client, meeting, kind="place", place_kind="online", note="Ikke før kl. 10")
    staff = _staff(caseworker.user)
    staff.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    foreign = _foreign_strings(language)
    for url in (
        f"/citizens/{citizen.uuid}/meetings/{meeting.uuid}/",
        f"/citizens/{citizen.uuid}/meetings/",
        f"/citizens/{citizen.uuid}/citizen-notes/",
    ):
        html = staff.get(url).content.decode()
        markup = Markup(html)
        assert not markup.problems(), (url, markup.problems())
        assert not _leftovers(markup.visible_text(), foreign, language), url
    detail = staff.get(f"/citizens/{citizen.uuid}/meetings/{meeting.uuid}/").content.decode()
    assert detail.count('name="decision" value="accept"') == 2
    assert 'name="online_link"' in detail  # the link for the online place she asked for
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    for url in ("/portal/meetings/", "/portal/certificates/", "/portal/consents/"):
        markup = Markup(client.get(url).content.decode())
        assert not markup.problems(), (url, markup.problems())
