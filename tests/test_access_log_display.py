"""The access log as people read it: one sentence per page view, translated; the sealed log
itself keeps every row (issue 11.9)."""

from django.test import Client
from django.utils import timezone, translation

from enplan.audit.models import AuditEntry
from enplan.audit.services import accesses_to, log_lines


def _lines(citizen, language):
    with translation.override(language):
        return [line.sentence for line in log_lines(accesses_to(citizen.uuid))]


def test_each_page_view_is_one_sentence_in_both_languages(citizen, psych, caseworker):
    other = Client()
    other.force_login(psych.user)
    other.get(f"/citizens/{citizen.uuid}/plan/")
    rows = AuditEntry.objects.filter(citizen_uuid=citizen.uuid, user_id=psych.user.pk)
    assert rows.count() >= 1
    newest = _lines(citizen, "en")[0]
    assert newest == "Lene Test, Lokalpsykiatri Test, read the plan"
    assert _lines(citizen, "da")[0] == "Lene Test, Lokalpsykiatri Test, læste planen"
    # Internal names never show.
    for sentence in _lines(citizen, "en") + _lines(citizen, "da"):
        assert not any(word in sentence for word in ("access_log", "thread", "citizen_uuid"))


def test_reads_of_one_page_view_are_grouped_in_the_display_only(
    citizen, caseworker, psych, psychiatry
):

    from enplan.consent.models import Category, Consent
    from enplan.consent.services import give
    from enplan.messaging import sending

    for recipient in (psychiatry, caseworker.organisation):
        give(
            citizen,
            caseworker.user,
            Consent(
                source_organisation=(
                    psychiatry if recipient == caseworker.organisation else caseworker.organisation
                ),
                recipient_organisation=recipient,
                categories=[Category.MESSAGES],
                purpose="Samarbejde",
                valid_from=timezone.localdate(),
                given_how="written",
            ),
        )
    message = sending.compose(
        caseworker.user, citizen, partner=psychiatry, category="other", topic="Møde", text="Hej"
    )
    client = Client()
    client.force_login(caseworker.user)
    before = AuditEntry.objects.count()
    client.get(f"/citizens/{citizen.uuid}/messages/{message.thread.uuid}/")
    written = AuditEntry.objects.count() - before
    assert written >= 2  # the page (the citizen's messages) and the thread: two sealed rows
    with translation.override("en"):
        lines = log_lines(accesses_to(citizen.uuid))
    assert lines[0].sentence == "Mette Test, Jobcenter Test, read a message thread"
    assert len(lines[0].entries) == written
    assert AuditEntry.objects.count() == before + written  # nothing merged in the log itself
