"""Insights (issue #15): aggregates for managers and politicians, small cells suppressed
everywhere, movements reproducing the En plan report's figures, the relational coordination
survey, access and audit."""

import csv
import datetime
import io
import json
import re

import pytest
from django.conf import settings as settings_module
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from enplan.accounts.models import Role, User
from enplan.audit.models import AuditEntry
from enplan.consent.models import Consent
from enplan.courses.models import Course, EmploymentOutcome, SubstanceOutcome, TargetGroup
from enplan.insights import movements, privacy, queries, survey
from enplan.insights.models import ITEM_KEYS, Mandate, SurveyAnswer, SurveyRespondent
from enplan.insights.scope import Period, scope_for
from enplan.network.models import Handover, NetworkRole
from enplan.network.services import add_member, hand_over
from enplan.organisations.models import Profession, Sector

from .conftest import make_citizen, make_org, make_professional

PAGES = ("/insights/", "/insights/movements/")
TABLE_KEYS = (
    "courses",
    "caseload",
    "followups",
    "first_meeting",
    "continuity",
    "reciprocity",
    "consent",
    "check",
    "certificates",
    "agreements",
    "movements_employment",
    "movements_substance",
)


# --- the suppression rule ----------------------------------------------------------------


def test_one_rule_suppresses_people_and_what_is_derived_from_them():
    assert [privacy.suppress(n) for n in (0, 1, 4, 5, 17)] == ["<5", "<5", "<5", 5, 17]
    table = privacy.Table(
        "t",
        "T",
        [
            privacy.Column("label", "L"),
            privacy.Column("n", "N", privacy.PEOPLE),
            privacy.Column("share", "S", privacy.DERIVED, base="n"),
            privacy.Column("meetings", "M", privacy.COUNT),
        ],
    )
    table.add(label="a", n=3, share="60 %", meetings=2)
    table.add(label="b", n=12, share="40 %", meetings=1)
    assert table.rows == [["a", "<5", "<5", 2], ["b", 12, "40 %", 1]]


# --- a small world -------------------------------------------------------------------------


@pytest.fixture
def mandates(db, manager, jobcenter):
    Mandate.objects.create(user=manager, organisation=jobcenter)
    politician = User.objects.create_user("pol", role=Role.POLITICIAN)
    Mandate.objects.create(user=politician, municipality_code="0159")
    return {"manager": manager, "politician": politician}


def _citizens(caseworker, n: int, **course) -> list:
    out = []
    for i in range(n):
        c = make_citizen(caseworker, given_name=f"Navn{i}", family_name=f"Efternavn{i}x")
        Course.objects.create(
            citizen=c,
            target_group=course.get("target_group", TargetGroup.AKTIVITETSPARAT),
            starts_on=timezone.localdate() - datetime.timedelta(days=100 + i),
            employment_outcome=course.get("employment", EmploymentOutcome.JOB_FULL),
            substance_outcome=course.get("substance", SubstanceOutcome.OUT),
            outcome_note="HEMMELIG-NOTE",
        )
        out.append(c)
    return out


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_managers_and_politicians_start_on_insights(client, mandates):
    for user in mandates.values():
        client.force_login(user)
        response = client.get("/", follow=True)
        assert response.redirect_chain[-1][0] == "/insights/"
        assert response.status_code == 200


def test_small_groups_show_as_less_than_five_on_page_csv_and_api(mandates, caseworker):
    _citizens(caseworker, 6)
    _citizens(caseworker, 2, target_group=TargetGroup.SYGEDAGPENGE)
    client = _client(mandates["manager"])
    page = client.get("/insights/").content.decode()
    assert "Aktivitetsparat" in page and '<td class="num">6</td>' in page
    assert "&lt;5" in page
    rows = list(
        csv.reader(io.StringIO(client.get("/insights/export/courses.csv").content.decode()))
    )
    assert ["Sygedagpenge", "<5"] in rows and ["Aktivitetsparat (LAB §6 nr. 3)", "6"] in rows
    api = client.get("/api/v1/insights/overview").json()
    courses = next(t for t in api["tables"] if t["key"] == "courses")
    assert {"target_group": "Sygedagpenge", "citizens": "<5"} in courses["rows"]


def test_every_aggregate_view_is_audited_without_a_citizen(mandates, caseworker):
    _citizens(caseworker, 5)
    client = _client(mandates["politician"])
    before = AuditEntry.objects.count()
    for url in (*PAGES, "/insights/export/courses.csv", "/api/v1/insights/overview"):
        assert client.get(url).status_code == 200, url
    rows = list(AuditEntry.objects.filter(id__gt=0).order_by("id"))[before:]
    aggregate = [r for r in rows if r.object_type == "aggregate"]
    assert len(aggregate) == 4
    assert all(r.citizen_uuid is None and r.context.get("aggregate") for r in aggregate)
    assert {r.object_id for r in aggregate} == {
        "start",
        "movements",
        "export:courses",
        "api:overview",
    }


def test_professionals_get_no_aggregates_but_may_answer(mandates, caseworker, psych):
    round_ = _round(mandates["manager"], [psych.organisation])
    client = _client(caseworker.user)
    for url in (
        *PAGES,
        "/insights/export/courses.csv",
        f"/insights/survey/{round_.uuid}/",
        f"/insights/survey/{round_.uuid}/ties.csv",
    ):
        assert client.get(url).status_code == 403, url
    assert client.get("/api/v1/insights/overview").status_code == 403
    assert client.get("/insights/survey/").status_code == 200
    assert client.get(f"/insights/survey/{round_.uuid}/answer/").status_code == 200


def test_a_manager_without_mandate_is_told_so(client, manager):
    client.force_login(manager)
    response = client.get("/insights/")
    assert response.status_code == 200 and b'id="no-mandate"' in response.content


@pytest.mark.parametrize(
    "query",
    ["start=2026-05-01&end=2026-01-01", "start=nonsense", "start=1990-01-01&end=2026-01-01"],
)
def test_a_bad_period_is_a_form_error_and_400(mandates, query):
    client = _client(mandates["manager"])
    page = client.get(f"/insights/?{query}")
    assert page.status_code == 400 and b'class="error"' in page.content
    assert client.get(f"/insights/movements/?{query}").status_code == 400
    assert client.get(f"/insights/export/courses.csv?{query}").status_code == 400
    api = client.get(f"/api/v1/insights/overview?{query}")
    assert api.status_code == 400 and api.json()["detail"]


def test_start_page_queries_do_not_grow_with_citizens(mandates, caseworker, psych, settings):
    settings.ENPLAN_INSIGHTS_MAX_AGE_MINUTES = 0  # no snapshot: measure the computation
    client = _client(mandates["manager"])
    _citizens(caseworker, 2)
    client.get("/insights/")  # the snapshot row exists from now on (insert, then updates)
    with CaptureQueriesContext(connection) as few:
        client.get("/insights/")
    for c in _citizens(caseworker, 8, substance=SubstanceOutcome.REDUCED):
        add_member(c, caseworker.user, role=NetworkRole.PSYCHIATRY_CONTACT, professional=psych)
    with CaptureQueriesContext(connection) as many:
        client.get("/insights/")
    assert len(many) == len(few)


# --- movements: the report's figure 7 --------------------------------------------------------


@pytest.mark.django_db
def test_the_demo_reproduces_the_reports_progress_counts():
    """004:246–309: "for 29 citizens (of 45) progress on substance abuse … for 24 progress on
    employment/education". 43 of the 45 rows survive in the report's text. From them: 29 on
    substance use exactly (out of abuse 17, reduced 12), and 22 on employment or education;
    the report's other two must be among the two missing rows (22 + 2 = 24)."""
    from enplan.synthetic.demo import seed

    seed(out=lambda *a: None)
    politician = User.objects.get(username="politiker")
    scope = scope_for(politician)
    period = Period(timezone.localdate() - datetime.timedelta(days=5 * 365), timezone.localdate())
    employment, substance = movements.movements(scope, period, months=0)
    assert employment.total == 43
    assert substance.progress == 29
    assert employment.progress == 22
    assert substance.total == 37  # six rows name no substance use
    # and the page says so, with a flow diagram and its table
    page = (
        _client(politician)
        .get(f"/insights/movements/?start={period.start}&end={period.end}")
        .content.decode()
    )
    assert 'role="img"' in page and "<title" in page and "<desc" in page
    assert "29" in page and "22" in page


# --- the relational coordination survey -------------------------------------------------


def _round(manager, partners, closes_in: int = 14):
    return survey.open_round(
        manager,
        "RC 2026",
        partners,
        timezone.localdate() + datetime.timedelta(days=closes_in),
    )


def _post_answer(user, round_, score: int = 4):
    client = _client(user)
    own = user.professional_or_none
    data = {}
    for g in survey.groups(round_):
        if g.organisation_id == own.organisation_id and g.profession == own.profession:
            continue
        data.update({f"{g.key}__{k}": str(score) for k in ITEM_KEYS})
    return client.post(f"/insights/survey/{round_.uuid}/answer/", data)


def test_three_answers_show_less_than_five_and_no_respondent_is_stored(
    mandates, caseworker, psych, jobcenter
):
    round_ = _round(mandates["manager"], [psych.organisation])
    nurses = [psych] + [
        make_professional(f"nurse{i}", psych.organisation, Profession.NURSE) for i in range(2)
    ]
    for nurse in nurses:
        assert _post_answer(nurse.user, round_).status_code == 302
    ties = survey.results(round_).ties.as_dicts()
    assert {
        "from_group": "Sygeplejerske, Lokalpsykiatri Test",
        "to_group": "Sagsbehandler (sagsbehandler), Jobcenter Test",
        "respondents": "<5",
        "index": "<5",
    } in ties or any(t["respondents"] == "<5" and t["index"] == "<5" for t in ties)
    assert SurveyAnswer.objects.filter(round=round_).count() == 3
    assert [
        f.name for f in SurveyAnswer._meta.get_fields() if f.name in ("user", "created_at")
    ] == []
    # two more: the tie shows its index
    for i in range(2):
        extra = make_professional(f"nurse-x{i}", psych.organisation, Profession.NURSE)
        _post_answer(extra.user, round_, score=5)
    tie = next(t for t in survey.results(round_).ties.as_dicts() if t["respondents"] != "<5")
    assert tie["respondents"] == 5 and tie["index"] == 4.4
    page = _client(mandates["manager"]).get(f"/insights/survey/{round_.uuid}/").content.decode()
    assert '<td class="rc-4">4,4</td>' in page  # written the Danish way, coloured by value


def test_answering_twice_or_a_closed_round_is_refused_and_nothing_stored(
    mandates, psych, caseworker
):
    round_ = _round(mandates["manager"], [psych.organisation])
    assert _post_answer(psych.user, round_).status_code == 302
    again = _post_answer(psych.user, round_)
    assert again.status_code == 409
    assert SurveyRespondent.objects.filter(round=round_).count() == 1
    closed = _round(mandates["manager"], [psych.organisation])
    survey.close_round(mandates["manager"], closed)
    refused = _post_answer(psych.user, closed)
    assert (
        refused.status_code == 409
        and "lukket" in refused.content.decode().lower()
        or ("closed" in refused.content.decode().lower())
    )
    assert not SurveyAnswer.objects.filter(round=closed).exists()


def test_half_an_answer_is_a_form_error(mandates, psych, caseworker):
    round_ = _round(mandates["manager"], [psych.organisation])
    group = next(g for g in survey.groups(round_) if g.organisation_id != psych.organisation_id)
    response = _client(psych.user).post(
        f"/insights/survey/{round_.uuid}/answer/", {f"{group.key}__{ITEM_KEYS[0]}": "3"}
    )
    assert response.status_code == 400 and b'class="error"' in response.content
    assert not SurveyAnswer.objects.exists() and not SurveyRespondent.objects.exists()


def test_who_opens_and_closes_a_round(mandates, caseworker, psych):
    client = _client(caseworker.user)
    assert client.post("/insights/survey/new/", {"title": "x"}).status_code == 403
    politician = _client(mandates["politician"])
    assert politician.post("/insights/survey/new/", {"title": "x"}).status_code == 403
    manager = _client(mandates["manager"])
    response = manager.post(
        "/insights/survey/new/",
        {
            "title": "Runde",
            "organisations": [str(psych.organisation.uuid)],
            "closes_on": (timezone.localdate() + datetime.timedelta(days=7)).isoformat(),
        },
    )
    assert response.status_code == 302
    bad = manager.post("/insights/survey/new/", {"title": "", "closes_on": "2000-01-01"})
    assert bad.status_code == 400
    round_ = survey.rounds_for(mandates["manager"]).get()
    assert client.post(f"/insights/survey/{round_.uuid}/close/").status_code == 403
    assert manager.post(f"/insights/survey/{round_.uuid}/close/").status_code == 302
    round_.refresh_from_db()
    assert round_.closed_at is not None


# --- the property: nothing identifying, nothing small ---------------------------------------

SECTORS = [Sector.PSYCHIATRY, Sector.GENERAL_PRACTICE, Sector.SUBSTANCE_ABUSE]
citizen_spec = st.fixed_dictionaries(
    {
        "target": st.sampled_from(TargetGroup.values),
        "employment": st.sampled_from(EmploymentOutcome.values),
        "substance": st.sampled_from(SubstanceOutcome.values),
        "days_ago": st.integers(0, 900),
        "partner": st.sampled_from(SECTORS + [None]),
        "handover": st.booleans(),
        "consent": st.booleans(),
        "followup": st.integers(-30, 30) | st.none(),
    }
)
filters = st.fixed_dictionaries(
    {
        "role": st.sampled_from(["manager", "politician"]),
        "days": st.integers(1, 3 * 365),
        "ends_ago": st.integers(-30, 400),
        "months": st.sampled_from(movements.MONTH_CHOICES),
    }
)


def _add(world, spec, n):
    from enplan.plans.services import get_or_create_plan

    caseworker = world["caseworker"]
    c = make_citizen(caseworker, given_name=f"Hemmelig{n}", family_name=f"Borgersen{n}q")
    Course.objects.create(
        citizen=c,
        target_group=spec["target"],
        starts_on=timezone.localdate() - datetime.timedelta(days=spec["days_ago"]),
        employment_outcome=spec["employment"],
        substance_outcome=spec["substance"],
        outcome_note="HEMMELIG-NOTE",
    )
    if spec["partner"]:
        add_member(
            c, caseworker.user, role=NetworkRole.TREATMENT, professional=world[spec["partner"]]
        )
    if spec["handover"]:
        hand_over(c, caseworker.user, to_professional=world["colleague"], note="Overdragelse")
    if spec["consent"]:
        Consent.objects.create(
            citizen=c,
            source_organisation=caseworker.organisation,
            recipient_organisation=world[Sector.PSYCHIATRY].organisation,
            categories=["plan"],
            purpose="Koordinering",
            valid_from=timezone.localdate() - datetime.timedelta(days=10),
            given_how="written",
        )
    if spec["followup"] is not None:
        plan = get_or_create_plan(c, caseworker.user)
        plan.followup_at = timezone.now() + datetime.timedelta(days=spec["followup"])
        plan.save(update_fields=["followup_at"])
    world["citizens"].append(c)


@pytest.fixture
def gen_world(mandates, caseworker, jobcenter):
    world = {"caseworker": caseworker, "citizens": [], **mandates}
    world["colleague"] = make_professional("kollega", jobcenter)
    for i, sector in enumerate(SECTORS):
        org = make_org(f"Partner {i}", sector)
        world[sector] = make_professional(f"partner{i}", org, Profession.OTHER)
    return world


def _identifiers(citizens) -> list[str]:
    out = []
    for c in citizens:
        out += [c.given_name, c.family_name, c.cpr, c.cpr_display, str(c.uuid)]
    return out + ["HEMMELIG-NOTE"]


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(specs=st.lists(citizen_spec, min_size=0, max_size=9), f=filters)
def test_no_response_identifies_a_citizen_or_shows_a_small_count(gen_world, specs, f):
    world = gen_world
    for spec in specs:
        _add(world, spec, len(world["citizens"]))
    end = timezone.localdate() - datetime.timedelta(days=f["ends_ago"])
    start = end - datetime.timedelta(days=f["days"])
    query = f"start={start}&end={end}&months={f['months']}"
    client = _client(world[f["role"]])
    bodies = [client.get(f"{url}?{query}") for url in PAGES]
    bodies += [client.get(f"/insights/export/{key}.csv?{query}") for key in TABLE_KEYS]
    api = [
        client.get(f"/api/v1/insights/overview?{query}"),
        client.get(f"/api/v1/insights/movements?{query}"),
    ]
    secrets = _identifiers(world["citizens"])
    for response in bodies + api:
        assert response.status_code == 200, response.request["PATH_INFO"]
        text = response.content.decode()
        leaked = [s for s in secrets if s in text]
        assert not leaked, (response.request["PATH_INFO"], leaked)
    for response in api:
        for table in response.json()["tables"]:
            people = [c["key"] for c in table["columns"] if c["kind"] == privacy.PEOPLE]
            for row in table["rows"]:
                for key in people:
                    assert privacy.is_safe_people_value(row[key]), (table["key"], row)
    # and the same tables as the services build them
    scope = scope_for(world[f["role"]])
    period = Period(start, end)
    tables = queries.start_page(scope, period) + [
        m.table() for m in movements.movements(scope, period, f["months"])
    ]
    for table in tables:
        assert all(privacy.is_safe_people_value(v) for v in table.people_values()), table.key
    assert json.dumps([t.as_dicts() for t in tables], default=str).count("Hemmelig") == 0


def test_handovers_count_per_citizen_year(mandates, caseworker, jobcenter):
    colleague = make_professional("kollega", jobcenter)
    for c in _citizens(caseworker, 5):
        hand_over(c, caseworker.user, to_professional=colleague, note="Overdragelse")
    assert Handover.objects.count() == 5
    scope = scope_for(mandates["manager"])
    period = Period(timezone.localdate() - datetime.timedelta(days=364), timezone.localdate())
    row = queries.continuity(scope, period).as_dicts()[0]
    assert row["citizens"] == 5 and row["value"] == 1.0
    # A number, so that the page writes it the reader's way.
    pages = {}
    for language in ("da", "en"):
        client = _client(mandates["manager"])
        client.cookies[settings_module.LANGUAGE_COOKIE_NAME] = language
        page = client.get("/insights/").content.decode()
        pages[language] = page[page.index('id="t-continuity"') :]
    assert re.search(r"<td class=\"num\">1,0</td>", pages["da"]), pages["da"][:1500]
    assert re.search(r"<td class=\"num\">1\.0</td>", pages["en"])


# --- the manager's pages: valid ids, one language at a time ----------------------------------


@pytest.mark.parametrize("language", ["da", "en"])
def test_manager_pages_speak_one_language_and_have_valid_ids(db, language):
    from django.conf import settings as django_settings

    from enplan.insights.models import SurveyRound
    from enplan.synthetic.demo import seed

    from .pages import Markup
    from .test_i18n_pages import _foreign_strings, _leftovers

    seed(out=lambda *a: None)
    foreign = _foreign_strings(language)
    client = Client()
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = language
    client.force_login(User.objects.get(username="leder"))
    closed = SurveyRound.objects.filter(closed_at__isnull=False).first()
    found = {}
    for url in (
        *PAGES,
        "/insights/?start=2026-05-01&end=2026-01-01",  # with a form error
        "/insights/survey/",
        "/insights/survey/new/",
        f"/insights/survey/{closed.uuid}/",
    ):
        response = client.get(url)
        assert response.status_code in (200, 400), url
        markup = Markup(response.content.decode())
        assert markup.problems() == [], (url, markup.problems())
        leftovers = _leftovers(markup.visible_text(), foreign, language)
        if leftovers:
            found[url] = leftovers
    assert not found, found


def test_reciprocity_counts_who_started_the_conversation(mandates, caseworker, psych):
    from enplan.consent.models import Category
    from enplan.consent.services import give
    from enplan.messaging import sending

    for c in _citizens(caseworker, 5):
        add_member(c, caseworker.user, role=NetworkRole.PSYCHIATRY_CONTACT, professional=psych)
        give(
            c,
            caseworker.user,
            Consent(
                source_organisation=caseworker.organisation,
                recipient_organisation=psych.organisation,
                categories=[Category.MESSAGES],
                purpose="Koordinering",
                valid_from=timezone.localdate(),
                given_how="written",
            ),
        )
        sending.compose(
            caseworker.user,
            c,
            partner=psych.organisation,
            category="psychiatry-social-disability",
            topic="Status",
            text="Kan vi mødes?",
        )
    period = Period(timezone.localdate() - datetime.timedelta(days=30), timezone.localdate())
    with translation.override("da"):
        rows = queries.reciprocity(scope_for(mandates["politician"]), period).as_dicts()
    assert rows == [
        {"initiator": "Jobcenter", "receiver": "Lokalpsykiatri", "citizens": 5, "threads": 5}
    ]


def test_a_precomputed_start_page_is_read_in_a_few_queries_and_shows_its_age(mandates, caseworker):
    from django.core.management import call_command

    from enplan.insights.models import Snapshot

    _citizens(caseworker, 6)
    call_command("refresh_insights", stdout=io.StringIO())
    assert Snapshot.objects.count() == 4  # manager and politician, Danish and English
    _citizens(caseworker, 3)  # not yet in the snapshot
    client = _client(mandates["manager"])
    with CaptureQueriesContext(connection) as ctx:
        page = client.get("/insights/").content.decode()
    assert len(ctx) <= 12
    assert '<td class="num">6</td>' in page and "beregnet" in page
    # another period is computed when asked
    start = timezone.localdate() - datetime.timedelta(days=30)
    fresh = client.get(f"/insights/?start={start}&end={timezone.localdate()}").content.decode()
    assert '<td class="num">9</td>' in fresh
    # The worker's job renews them (every 30 minutes, inside the hour a snapshot is used).
    from enplan.core import jobs

    job = jobs.get("insights.refresh")
    assert job.every < 60 * 60
    assert job.func() == {"refreshed": 2}
    page = client.get("/insights/").content.decode()
    assert '<td class="num">9</td>' in page


def test_a_lone_small_flow_is_not_given_away_by_its_total():
    m = movements.Movements(
        "substance",
        "T",
        [("start", "Start")],
        [("out", "Out"), ("reduced", "Reduced"), ("using", "Using")],
        [
            movements.Flow("start", "out", 17),
            movements.Flow("start", "reduced", 6),
            movements.Flow("start", "using", 3),
        ],
        26,
        23,
    )
    rows = m.table().as_dicts()
    assert [r["citizens"] for r in rows[:3]] == [17, privacy.HIDDEN, "<5"]
    svg = movements.diagram(m)
    assert {n.shown for n in svg["right"]} == {17, privacy.HIDDEN, "<5"}
