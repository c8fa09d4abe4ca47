"""The citizen's portal ("Min plan"): she sees everything about herself and nothing of anyone
else, reaches no staff page or API, and what she writes is recorded as written by her."""

import datetime
import io
import re
import zipfile
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone
from pypdf import PdfReader

from enplan.accounts.models import Role
from enplan.audit.models import AuditEntry
from enplan.consent.models import Category, Consent
from enplan.consent.policy import for_viewer
from enplan.consent.services import give
from enplan.plans import services as plans
from enplan.plans.models import PlanVersion, TrackKind
from enplan.portal.access import SESSION_KEY
from enplan.portal.models import Comment
from enplan.portal.oidc import citizen_user

from .conftest import make_citizen

PORTAL_PAGES = [
    "/portal/",
    "/portal/contacts/",
    "/portal/meetings/",
    "/portal/certificates/",
    "/portal/consents/",
    "/portal/log/",
    "/portal/data/",
]


def citizen_client(citizen) -> Client:
    client = Client()
    client.force_login(citizen_user(citizen))
    session = client.session
    session[SESSION_KEY] = True
    session.save()
    return client


@pytest.fixture
def world(citizen, caseworker, psych, plan):
    """Anna with a goal, a sub-goal, an activity now and one in two months (jobcenter), and a
    consent from the jobcenter to psychiatry."""
    actor = caseworker.user
    plans.update_plan(plan, actor, plan.version, {"final_goal": "Arbejde i en butik"})
    plans.add_goal(plan, actor, plan.version, {"title": "Sove bedre", "status": "open"})
    member = citizen.memberships.get(role="coordinator")
    today = timezone.localdate()
    for title, start in (
        ("Praktik i Netto", today),
        ("Mentorsamtaler", today + datetime.timedelta(days=60)),
    ):
        plans.add_activity(
            plan,
            actor,
            plan.version,
            {
                "title": title,
                "starts_on": start,
                "responsible": member,
                "organisation": member.organisation,
                "purpose": "x",
                "legal_basis": "lab",
                "status": "planned",
                "track": TrackKind.EMPLOYMENT,
            },
        )
    consent = give(
        citizen,
        actor,
        Consent(
            source_organisation=caseworker.organisation,
            recipient_organisation=psych.organisation,
            categories=[Category.PLAN, Category.EMPLOYMENT],
            purpose="Fælles plan",
            valid_from=timezone.localdate(),
            given_how="written",
        ),
    )
    return {"citizen": citizen, "plan": plan, "consent": consent}


@pytest.fixture
def other(caseworker):
    return make_citizen(caseworker, given_name="Birgit", family_name="Bsen")


def test_she_sees_her_plan_contacts_meetings_consents_and_log(world, caseworker, psych):
    client = citizen_client(world["citizen"])
    home = client.get("/portal/").content.decode()
    for text in ("Arbejde i en butik", "Sove bedre", "Praktik i Netto", "Mentorsamtaler"):
        assert text in home
    contacts = client.get("/portal/contacts/").content.decode()
    assert caseworker.name in contacts and psych.name in contacts
    assert caseworker.organisation.name in contacts
    consents = client.get("/portal/consents/").content.decode()
    assert "Fælles plan" in consents and psych.organisation.name in consents
    log = client.get("/portal/log/").content.decode()
    assert (caseworker.user.get_full_name() or caseworker.user.username) in log
    for url in PORTAL_PAGES:
        assert client.get(url).status_code == 200, url
    # Each look is audited as hers.
    assert AuditEntry.objects.filter(
        citizen_uuid=world["citizen"].uuid, role=Role.CITIZEN, object_type="portal_plan"
    ).exists()


def test_she_sees_what_the_policy_hides_between_organisations(world, psych, citizen):
    """Psychiatry's activity, not shared with the jobcenter, is hers to see anyway."""
    plan = world["plan"]
    member = citizen.memberships.get(professional=psych)
    plans.add_activity(
        plan,
        psych.user,
        plan.version,
        {
            "title": "Samtaler i psykiatrien",
            "starts_on": timezone.localdate(),
            "responsible": member,
            "organisation": member.organisation,
            "purpose": "x",
            "legal_basis": "sundhedsloven",
            "status": "planned",
            "track": TrackKind.TREATMENT,
        },
    )
    assert "Samtaler i psykiatrien" in citizen_client(citizen).get("/portal/").content.decode()


def test_citizen_reaches_no_staff_page_or_api(world, other):
    client = citizen_client(world["citizen"])
    uuid = world["citizen"].uuid
    for url in (
        "/citizens/",
        f"/citizens/{uuid}/",
        f"/citizens/{uuid}/plan/",
        "/messages/",
        "/meetings/",
        "/admin/",
    ):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "Arbejde i en butik" not in response.content.decode()
    assert client.get(f"/api/v1/citizens/{uuid}/plan").status_code == 403
    assert client.get("/api/v1/citizens").status_code == 403


def test_citizen_a_reaches_nothing_of_citizen_b(world, other):
    b = citizen_client(other)
    for url in PORTAL_PAGES:
        body = b.get(url).content.decode()
        assert "Arbejde i en butik" not in body and "Andersen" not in body, url
    # Her own objects' ids do not work for anyone else.
    activity = world["plan"].activities.first()
    assert (
        b.post(
            f"/portal/activities/{activity.uuid}/view/", {"citizen_view": "no", "version": 9}
        ).status_code
        == 404
    )
    assert b.post(f"/portal/consents/{world['consent'].uuid}/withdraw/").status_code == 404
    world["consent"].refresh_from_db()
    assert world["consent"].withdrawn_at is None


def test_staff_reach_no_portal_page(world, caseworker, client):
    client.force_login(caseworker.user)
    for url in PORTAL_PAGES + ["/portal/plan.pdf"]:
        assert client.get(url).status_code == 403, url
    assert client.post("/portal/goal/", {"final_goal": "x", "version": 1}).status_code == 403


def test_anonymous_goes_to_the_portal_login(client):
    assert client.get("/portal/")["Location"] == "/portal/login/"
    assert client.get("/portal/login/").status_code == 200


def test_she_writes_her_goal_recorded_as_hers(world, caseworker):
    citizen, plan = world["citizen"], world["plan"]
    client = citizen_client(citizen)
    plan.refresh_from_db()
    response = client.post(
        "/portal/goal/", {"final_goal": "Min egen butik", "version": plan.version}
    )
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.final_goal == "Min egen butik"
    version = PlanVersion.objects.filter(plan=plan).order_by("-number").first()
    assert version.author.role == Role.CITIZEN and version.author.citizen_login.citizen == citizen
    assert AuditEntry.objects.filter(
        citizen_uuid=citizen.uuid, role=Role.CITIZEN, action="update"
    ).exists()
    # The caseworker sees it in the plan and its history, by the citizen.
    staff = Client()
    staff.force_login(caseworker.user)
    history = staff.get(f"/citizens/{citizen.uuid}/plan/history/").content.decode()
    assert re.search(r"Anna Andersen\s*<span class=\"badge\">borgeren</span>", history)


def test_bad_input_is_refused_with_a_message_and_nothing_stored(world):
    citizen, plan = world["citizen"], world["plan"]
    client = citizen_client(citizen)
    plan.refresh_from_db()
    before = (plan.final_goal, plan.version)
    page = client.post(
        "/portal/goal/", {"final_goal": "x" * 1001, "version": plan.version}, follow=True
    )
    assert "højst 1000 tegn" in page.content.decode()
    page = client.post("/portal/goal/", {"final_goal": "   ", "version": plan.version}, follow=True)
    assert "Skriv venligst noget først" in page.content.decode()
    page = client.post(
        "/portal/goal/", {"final_goal": "Ny", "version": plan.version - 1}, follow=True
    )
    assert "samtidig" in page.content.decode()
    page = client.post(
        "/portal/activities/" + str(plan.activities.first().uuid) + "/view/",
        {"citizen_view": "maybe", "version": plan.version},
        follow=True,
    )
    assert "Vælg et af svarene" in page.content.decode()
    plan.refresh_from_db()
    assert (plan.final_goal, plan.version) == before


def test_her_html_is_shown_as_text(world):
    citizen, plan = world["citizen"], world["plan"]
    client = citizen_client(citizen)
    plan.refresh_from_db()
    client.post(
        "/portal/goal/",
        {"final_goal": "<script>alert(1)</script><b>job</b>", "version": plan.version},
    )
    body = client.get("/portal/").content.decode()
    assert (
        "<script>alert(1)</script>" not in body and "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    )


def test_she_marks_an_activity_and_its_origin_stays(world, caseworker):
    plan = world["plan"]
    activity = plan.activities.first()
    origin = activity.origin_id
    plan.refresh_from_db()
    citizen_client(world["citizen"]).post(
        f"/portal/activities/{activity.uuid}/view/", {"citizen_view": "no", "version": plan.version}
    )
    activity.refresh_from_db()
    assert activity.citizen_view == "no" and activity.origin_id == origin


def test_she_writes_to_her_caseworker(world):
    client = citizen_client(world["citizen"])
    client.post("/portal/write/", {"text": "Jeg kan ikke komme torsdag"})
    assert Comment.objects.get().text == "Jeg kan ikke komme torsdag"
    client.post("/portal/write/", {"text": "x" * 2001})
    assert Comment.objects.count() == 1


def test_she_withdraws_a_consent_and_psychiatry_no_longer_sees(world, psych):
    citizen, consent = world["citizen"], world["consent"]
    assert not for_viewer(psych.user, citizen).withheld(
        Category.PLAN, consent.source_organisation_id
    )
    citizen_client(citizen).post(f"/portal/consents/{consent.uuid}/withdraw/")
    consent.refresh_from_db()
    assert consent.withdrawn_at is not None and consent.withdrawn_by.role == Role.CITIZEN
    assert for_viewer(psych.user, citizen).withheld(Category.PLAN, consent.source_organisation_id)


def test_one_page_plan_pdf_has_her_goal(world):
    response = citizen_client(world["citizen"]).get("/portal/plan.pdf")
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    assert "Arbejde i en butik" in text and "Praktik i Netto" in text and "Mit mål" in text


def test_she_downloads_all_her_data_audited(world):
    citizen = world["citizen"]
    response = citizen_client(citizen).get("/portal/data/export/")
    names = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    assert any(n.endswith(".json") for n in names) and any(n.endswith(".pdf") for n in names)
    assert AuditEntry.objects.filter(
        citizen_uuid=citizen.uuid, action="export", role=Role.CITIZEN
    ).exists()


def test_arabic_portal_is_right_to_left(world):
    client = citizen_client(world["citizen"])
    client.cookies["django_language"] = "ar"
    body = client.get("/portal/").content.decode()
    assert 'dir="rtl"' in body and 'lang="ar"' in body and "خطتي" in body


def test_staff_pages_stay_danish_or_english(world, caseworker):
    client = Client()
    client.force_login(caseworker.user)
    client.cookies["django_language"] = "ar"
    body = client.get("/citizens/").content.decode()
    assert 'lang="da"' in body


def test_expired_session_goes_back_to_log_in(world):
    client = citizen_client(world["citizen"])
    client.session.flush()
    session = client.session
    session.flush()
    client.cookies.pop("sessionid", None)
    assert client.get("/portal/")["Location"] == "/portal/login/"
    assert (
        client.post("/portal/goal/", {"final_goal": "x", "version": 1})["Location"]
        == "/portal/login/"
    )


def test_user_with_citizen_role_but_no_portal_session_is_refused(world):
    client = Client()
    client.force_login(citizen_user(world["citizen"]))
    assert client.get("/portal/").status_code == 403


# --- every string in a portal template is translated into every portal language -----------

TEMPLATES = Path(__file__).resolve().parent.parent / "src/enplan/portal/templates/portal"
_STRING = re.compile(
    r'{%\s*(?:translate|trans)\s+"([^"]+)"|{%\s*blocktranslate[^%]*%}(.*?){%\s*endblocktranslate'
)


def _template_strings() -> set[str]:
    found = set()
    for path in TEMPLATES.glob("*.html"):
        for simple, block in _STRING.findall(path.read_text()):
            text = simple or re.sub(r"{{\s*(\w+)\s*}}", r"%(\1)s", block)
            found.add(text)
    return found


# Strings that are the same word in the language (checked by hand), and pure formats.
FORMAT = "%(when)s: %(who)s – %(what)s"
SAME = {"da": {"E-mail", "Send", FORMAT}, "ar": {FORMAT}, "tr": {FORMAT}, "so": {FORMAT}}


@pytest.mark.parametrize("language", ["da", "ar", "tr", "so"])
def test_every_portal_string_is_translated(language):
    from django.utils import translation

    strings = _template_strings()
    assert len(strings) > 50
    with translation.override(language):
        missing = sorted(
            s for s in strings if translation.gettext(s) == s and s not in SAME[language]
        )
    assert not missing, f"untranslated in {language}: {missing}"


def test_staff_print_the_one_page_plan_in_her_language_within_the_policy(world, psych, citizen):
    citizen.preferred_language = "tr"
    citizen.save()
    staff = Client()
    staff.force_login(psych.user)
    plan_page = staff.get(f"/citizens/{citizen.uuid}/plan/").content.decode()
    assert f"/citizens/{citizen.uuid}/plan/one-page/" in plan_page
    html = staff.get(f"/citizens/{citizen.uuid}/plan/one-page/").content.decode()
    assert "Hedefim" in html and 'lang="tr"' in html
    assert "Arbejde i en butik" in html  # the jobcenter shares the plan with psychiatry
    world["consent"].withdrawn_at = timezone.now()
    world["consent"].save()
    html = staff.get(f"/citizens/{citizen.uuid}/plan/one-page/").content.decode()
    assert "Arbejde i en butik" not in html and "Praktik i Netto" not in html
    pdf = staff.get(f"/citizens/{citizen.uuid}/plan/one-page/?format=pdf")
    assert len(PdfReader(io.BytesIO(pdf.content)).pages) == 1


def test_the_caseworker_reads_what_she_wrote(world, caseworker):
    citizen_client(world["citizen"]).post("/portal/write/", {"text": "<b>Hej</b> Mette"})
    staff = Client()
    staff.force_login(caseworker.user)
    body = staff.get(f"/citizens/{world['citizen'].uuid}/citizen-notes/").content.decode()
    assert "&lt;b&gt;Hej&lt;/b&gt; Mette" in body


def _held_meeting(citizen, caseworker, minutes=True):
    from enplan.meetings import services as meetings

    start = timezone.now() - datetime.timedelta(days=1)
    meeting = meetings.plan_meeting(
        caseworker.user,
        citizen,
        {
            "kind": "planning",
            "purpose": "Fælles plan",
            "working_question": "Næste skridt?",
            "starts_at": start,
            "ends_at": start + datetime.timedelta(hours=1),
            "place_kind": "clinic",
        },
        [],
        override_reason="ok",
    ).meeting
    if minutes:
        meetings.start_minutes(meeting, caseworker.user)
    return meeting


def test_she_answers_the_four_item_check(world, caseworker):
    citizen = world["citizen"]
    meeting = _held_meeting(citizen, caseworker)
    client = citizen_client(citizen)
    assert "Hvordan var mødet for dig?" in client.get("/portal/meetings/").content.decode()
    answers = {"check_overview": 4, "check_meeting": 5, "check_agreed": 3, "check_optimism": 2}
    client.post(f"/portal/meetings/{meeting.uuid}/check/", answers)
    minutes = meeting.minutes.get()
    assert (minutes.check_overview, minutes.check_optimism) == (4, 2)
    page = client.post(
        f"/portal/meetings/{meeting.uuid}/check/", {**answers, "check_agreed": 9}, follow=True
    )
    assert "Vælg et tal fra 1 til 5" in page.content.decode()
    minutes.refresh_from_db()
    assert minutes.check_agreed == 3


def test_the_check_is_closed_without_draft_minutes(world, caseworker):
    meeting = _held_meeting(world["citizen"], caseworker, minutes=False)
    page = citizen_client(world["citizen"]).post(
        f"/portal/meetings/{meeting.uuid}/check/",
        {"check_overview": 4, "check_meeting": 5, "check_agreed": 3, "check_optimism": 2},
        follow=True,
    )
    assert "lukket" in page.content.decode()


def test_demo_login_only_in_the_demo(world, client, settings):
    citizen = world["citizen"]
    settings.PORTAL_DEMO_LOGIN = False
    assert client.post("/portal/login/demo/", {"citizen": citizen.uuid}).status_code == 404
    assert "demoborger" not in client.get("/portal/login/").content.decode()
    settings.PORTAL_DEMO_LOGIN = True
    assert "demoborger" in client.get("/portal/login/").content.decode()
    response = client.post("/portal/login/demo/", {"citizen": citizen.uuid})
    assert response["Location"] == "/portal/"
    assert "Arbejde i en butik" in client.get("/portal/").content.decode()


def test_she_gives_a_consent_within_what_is_allowed(world, caseworker, psych):
    citizen = world["citizen"]
    client = citizen_client(citizen)
    world["consent"].withdrawn_at = timezone.now()
    world["consent"].save()
    before = Consent.objects.count()
    good = {
        "source": str(psych.organisation.uuid),
        "recipient": str(caseworker.organisation.uuid),
        "categories": ["plan"],
        "purpose": "Så jobcentret kender min behandlingsplan",
        "days": "90",
    }
    for bad, message in (
        ({"categories": ["health"]}, "Vælg fra listen"),  # not what the municipality allows
        ({"recipient": good["source"]}, "to forskellige steder"),
        ({"days": "4000"}, "Vælg en periode"),
        ({"source": "00000000-0000-0000-0000-000000000000"}, "to forskellige steder"),
        ({"purpose": ""}, "Skriv venligst noget"),
    ):
        page = client.post("/portal/consents/give/", {**good, **bad}, follow=True)
        assert message in page.content.decode(), bad
    assert Consent.objects.count() == before
    client.post("/portal/consents/give/", good)
    consent = Consent.objects.latest("id")
    assert consent.recorded_by.role == Role.CITIZEN and consent.given_how == "digital"
    assert consent.source_organisation == psych.organisation
    assert consent.valid_to == timezone.localdate() + datetime.timedelta(days=90)
