import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from enplan.plans import services
from enplan.plans.models import Activity, ChangeKind, Goal, Plan, PlanVersion, TrackKind
from enplan.plans.services import PlanConflict
from enplan.plans.snapshots import compare


def _activity_data(member, **extra):
    return {
        "title": "Virksomhedspraktik",
        "starts_on": timezone.localdate(),
        "ends_on": timezone.localdate() + datetime.timedelta(days=30),
        "responsible": member,
        "organisation": member.organisation,
        "purpose": "Afklare arbejdsevne",
        "legal_basis": "lab",
        "legal_reference": "LAB § 42",
        "status": "planned",
        **extra,
    }


def test_new_plan_has_both_tracks_and_a_first_version(plan):
    assert plan.version == 1
    assert sorted(plan.tracks.values_list("kind", flat=True)) == sorted(TrackKind.values)
    v = plan.versions.get()
    assert v.number == 1 and v.change == ChangeKind.CREATED


def test_every_change_is_a_version_with_who_and_what(plan, caseworker, psych):
    services.update_plan(plan, caseworker.user, 1, {"final_goal": "Arbejde med dyr"})
    goal = services.add_goal(plan, psych.user, 2, {"title": "Sove bedre", "status": "open"})
    services.update_goal(goal, psych.user, 3, {"title": "Sove hele natten", "status": "open"})
    services.remove_goal(goal, caseworker.user, 4)
    versions = list(plan.versions.order_by("number"))
    assert [v.number for v in versions] == [1, 2, 3, 4, 5]
    assert [v.change for v in versions][1:] == [
        ChangeKind.PLAN_UPDATED,
        ChangeKind.GOAL_ADDED,
        ChangeKind.GOAL_UPDATED,
        ChangeKind.GOAL_REMOVED,
    ]
    assert versions[2].author == psych.user and versions[2].subject == "Sove bedre"
    assert versions[1].snapshot["plan"]["final_goal"] == "Arbejde med dyr"
    assert versions[3].snapshot["goals"][0]["title"] == "Sove hele natten"
    assert versions[4].snapshot["goals"] == []
    assert Plan.objects.get(pk=plan.pk).version == 5


def test_stale_version_is_refused_and_nothing_is_written(plan, caseworker, psych):
    services.update_plan(plan, caseworker.user, 1, {"final_goal": "Første"})
    stale = Plan.objects.get(pk=plan.pk)
    stale.version = 1
    with pytest.raises(PlanConflict) as e:
        services.add_goal(stale, psych.user, 1, {"title": "Overskriver", "status": "open"})
    assert (e.value.expected, e.value.current) == (1, 2)
    assert not Goal.objects.filter(title="Overskriver").exists()
    assert PlanVersion.objects.filter(plan=plan).count() == 2


def test_activity_and_ready_signal(plan, caseworker, psych, citizen):
    member = citizen.memberships.get(professional=psych)
    act = services.add_activity(plan, caseworker.user, 1, _activity_data(member))
    assert Activity.objects.get(pk=act.pk).organisation == psych.organisation
    track = plan.tracks.get(kind=TrackKind.TREATMENT)
    services.update_track(
        track,
        psych.user,
        2,
        {
            "status": "active",
            "summary": "",
            "ready_for_next_step": True,
            "ready_note": "Klar til praktik",
        },
    )
    track.refresh_from_db()
    assert track.ready_signalled_by == psych.user and track.ready_signalled_at
    services.update_track(
        track,
        psych.user,
        3,
        {"status": "waiting", "summary": "", "ready_for_next_step": False, "ready_note": ""},
    )
    track.refresh_from_db()
    assert track.ready_signalled_at is None


@translation.override("en")
def test_compare_two_versions(plan, caseworker, psych, citizen):
    services.update_plan(plan, caseworker.user, 1, {"final_goal": "A"})
    goal = services.add_goal(plan, caseworker.user, 2, {"title": "Mål 1", "status": "open"})
    services.update_goal(goal, caseworker.user, 3, {"title": "Mål 1", "status": "achieved"})
    services.update_plan(plan, caseworker.user, 4, {"final_goal": "B"})
    v = {x.number: x.snapshot for x in plan.versions.all()}
    result = compare(v[2], v[5])
    goal_row = next(r for r in result.plan_rows if r.a == "A")
    assert goal_row.b == "B" and goal_row.changed
    goals = dict(result.sections)["Sub-goals"]
    assert goals[0].state == "added" and goals[0].title == "Mål 1"
    result = compare(v[3], v[4])
    assert dict(result.sections)["Sub-goals"][0].state == "changed"
    assert not compare(v[5], v[5]).has_changes


# ---- through the pages -------------------------------------------------------------------


def test_plan_page_shows_the_plan(plan, caseworker, client_for, citizen):
    services.update_plan(plan, caseworker.user, 1, {"final_goal": "Arbejde i en butik"})
    response = client_for(caseworker).get(f"/citizens/{citizen.uuid}/plan/")
    assert response.status_code == 200
    assert "Arbejde i en butik" in response.content.decode()


def test_add_goal_with_htmx_returns_the_plan_body(plan, caseworker, client_for, citizen):
    client = client_for(caseworker)
    response = client.post(
        f"/citizens/{citizen.uuid}/plan/goals/new/",
        {"title": "Få et fritidsjob", "status": "open", "version": 1},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert body.startswith('<div id="plan-body">') and "Få et fritidsjob" in body
    assert Goal.objects.filter(plan=plan, title="Få et fritidsjob").exists()


def test_add_goal_without_javascript_redirects(plan, caseworker, client_for, citizen):
    response = client_for(caseworker).post(
        f"/citizens/{citizen.uuid}/plan/goals/new/",
        {"title": "Mål", "status": "open", "version": 1},
    )
    assert response.status_code == 302
    assert response["Location"] == f"/citizens/{citizen.uuid}/plan/"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"status": "open", "version": 1}, "title"),  # missing required
        ({"title": "x" * 301, "status": "open", "version": 1}, "title"),  # over-long
        ({"title": "Mål", "status": "nonsense", "version": 1}, "status"),
        ({"title": "Mål", "status": "open"}, "version"),
        ({"title": "Mål", "status": "open", "version": 1, "evaluation": "x" * 2001}, "evaluation"),
    ],
)
def test_bad_goal_input_is_refused_and_nothing_stored(
    data, field, plan, caseworker, client_for, citizen
):
    response = client_for(caseworker).post(
        f"/citizens/{citizen.uuid}/plan/goals/new/", data, headers={"HX-Request": "true"}
    )
    assert response.status_code == 422
    assert response.context["form"].errors[field]
    assert response["HX-Retarget"] == "#edit-goal_new-new"
    assert not Goal.objects.exists()
    assert Plan.objects.get(pk=plan.pk).version == 1


def test_activity_end_before_start_is_refused(plan, caseworker, client_for, citizen, psych):
    member = citizen.memberships.get(professional=psych)
    response = client_for(caseworker).post(
        f"/citizens/{citizen.uuid}/plan/activities/new/",
        {
            "title": "Praktik",
            "starts_on": "2026-12-10",
            "ends_on": "2026-12-01",
            "responsible": str(member.uuid),
            "purpose": "Afklaring",
            "legal_basis": "lab",
            "status": "planned",
            "version": 1,
        },
    )
    assert response.status_code == 422
    assert "ends_on" in response.context["form"].errors
    assert not Activity.objects.exists()


def test_responsible_must_be_in_this_citizens_network(
    plan, caseworker, client_for, citizen, outsider
):
    from .conftest import make_citizen

    elsewhere = make_citizen(outsider).memberships.get()
    response = client_for(caseworker).post(
        f"/citizens/{citizen.uuid}/plan/activities/new/",
        {
            "title": "Praktik",
            "starts_on": "2026-12-01",
            "responsible": str(elsewhere.uuid),
            "purpose": "Afklaring",
            "legal_basis": "lab",
            "status": "planned",
            "version": 1,
        },
    )
    assert response.status_code == 422
    assert "responsible" in response.context["form"].errors


def test_stale_save_in_the_page_gets_a_conflict_message(
    plan, caseworker, psych, client_for, citizen
):
    services.add_goal(plan, psych.user, 1, {"title": "Lenes mål", "status": "open"})
    client = client_for(caseworker)
    response = client.post(
        f"/citizens/{citizen.uuid}/plan/goals/new/",
        {"title": "Mettes mål", "status": "open", "version": 1},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 409
    assert response["HX-Retarget"] == "#edit-goal_new-new"
    body = response.content.decode()
    assert "/plan/" in body  # the reload link
    # The form comes back as filled in, the message (focused) just before its save button.
    assert 'value="Mettes mål"' in body
    assert body.index('class="msg error conflict"') < body.index('<button class="primary">')
    assert "autofocus" in body.split('class="msg error conflict"', 1)[1].split(">", 1)[0]
    assert list(Goal.objects.values_list("title", flat=True)) == ["Lenes mål"]
    # Without htmx: a full page with the same message.
    response = client.post(
        f"/citizens/{citizen.uuid}/plan/goals/new/",
        {"title": "Mettes mål", "status": "open", "version": 1},
    )
    assert response.status_code == 409


def test_goal_of_another_citizen_is_not_reachable(plan, caseworker, outsider, client_for):
    from .conftest import make_citizen

    other = make_citizen(outsider)
    other_plan = services.get_or_create_plan(other, outsider.user)
    goal = services.add_goal(other_plan, outsider.user, 1, {"title": "Hemmeligt", "status": "open"})
    response = client_for(caseworker).post(
        f"/citizens/{plan.citizen.uuid}/plan/goals/{goal.uuid}/",
        {"title": "Ændret", "status": "open", "version": 1},
    )
    assert response.status_code == 404
    goal.refresh_from_db()
    assert goal.title == "Hemmeligt"


def test_history_and_compare_pages(plan, caseworker, client_for, citizen):
    services.add_goal(plan, caseworker.user, 1, {"title": "Nyt delmål", "status": "open"})
    client = client_for(caseworker)
    history = client.get(f"/citizens/{citizen.uuid}/plan/history/")
    assert history.status_code == 200 and "Nyt delmål" in history.content.decode()
    page = client.get(f"/citizens/{citizen.uuid}/plan/compare/?a=2&b=1")
    assert page.status_code == 200
    assert page.context["va"].number == 1 and page.context["vb"].number == 2
    assert "Nyt delmål" in page.content.decode()
    assert client.get(f"/citizens/{citizen.uuid}/plan/compare/?a=1&b=99").status_code == 404
    assert client.get(f"/citizens/{citizen.uuid}/plan/compare/?a=x").status_code == 400


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_plan_page_query_count_is_constant(plan, caseworker, client_for, citizen, psych):
    client = client_for(caseworker)
    url = f"/citizens/{citizen.uuid}/plan/"
    member = citizen.memberships.get(professional=psych)
    services.add_goal(plan, caseworker.user, plan.version, {"title": "G", "status": "open"})
    services.add_activity(plan, caseworker.user, plan.version, _activity_data(member))
    few = _queries(client, url)
    for i in range(15):
        goal = services.add_goal(
            plan, caseworker.user, plan.version, {"title": f"G{i}", "status": "open"}
        )
        services.add_activity(
            plan, caseworker.user, plan.version, _activity_data(member, goal=goal)
        )
    assert _queries(client, url) == few


def test_timeline_css_is_not_localised(plan, caseworker, client_for, citizen, psych):
    """Danish formats 33.7 as '33,7', which is not CSS: the bar must use a dot."""
    member = citizen.memberships.get(professional=psych)
    services.add_activity(plan, caseworker.user, 1, _activity_data(member))
    body = client_for(caseworker).get(f"/citizens/{citizen.uuid}/plan/").content.decode()
    bar = body.split('class="tl-bar', 1)[1].split(">", 1)[0]
    width = bar.split('width="', 1)[1].split('"', 1)[0]
    assert "," not in bar and float(width.removesuffix("%")) > 0
    assert 'style="' not in body.split('id="plan-body"', 1)[1]  # CSP allows no inline styles


def test_history_says_what_changed_in_both_languages(plan, caseworker, client_for, citizen):
    at = datetime.datetime(2027, 1, 12, 10, 0, tzinfo=datetime.UTC)
    services.update_plan(
        plan,
        caseworker.user,
        1,
        {"area_health": "Sover dårligt", "followup_at": at, "followup_place": "Jobcentret"},
    )
    goal = services.add_goal(plan, caseworker.user, 2, {"title": "Sove bedre", "status": "open"})
    services.update_goal(
        goal, caseworker.user, 3, {"title": "Sove bedre", "status": "achieved", "evaluation": "Ja"}
    )
    versions = {v.number: v for v in plan.versions.all()}
    assert versions[2].changed_fields == ["area_health", "followup_at", "followup_place"]
    assert versions[4].changed_fields == ["status", "evaluation"]
    client = client_for(caseworker)
    client.cookies["django_language"] = "en"
    english = client.get(f"/citizens/{citizen.uuid}/plan/history/").content.decode()
    assert "Changed: Health, Next follow-up" in english
    assert "Changed: Status, Evaluation" in english
    client.cookies["django_language"] = "da"
    danish = client.get(f"/citizens/{citizen.uuid}/plan/history/").content.decode()
    assert "Ændret: Helbred, Næste opfølgning" in danish
    assert "Ændret: Status, Evaluering" in danish


def test_saving_unchanged_makes_no_version(plan, caseworker, psych):
    services.update_plan(plan, caseworker.user, 1, {"final_goal": "Arbejde"})
    services.update_plan(plan, psych.user, 2, {"final_goal": "Arbejde"})
    plan.refresh_from_db()
    assert plan.version == 2 and plan.versions.count() == 2
    assert plan.origin_of("final_goal") == caseworker.organisation.pk


def test_a_field_changed_through_the_page_is_attributed_to_the_writer(
    plan, caseworker, psych, client_for, citizen
):
    services.update_plan(plan, caseworker.user, 1, {"final_goal": "Arbejde"})
    response = client_for(psych).post(
        f"/citizens/{citizen.uuid}/plan/areas/", {"area_health": "Sover dårligt", "version": 2}
    )
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.area_health == "Sover dårligt" and plan.final_goal == "Arbejde"
    assert plan.origin_of("area_health") == psych.organisation_id
    assert plan.origin_of("final_goal") == caseworker.organisation_id
    assert plan.versions.first().changed_fields == ["area_health"]


def test_timeline_covers_three_months_with_overdue_and_followup(plan, caseworker, citizen, psych):
    from enplan.plans.views import TIMELINE_DAYS, plan_context, timeline

    member = citizen.memberships.get(professional=psych)
    day = datetime.timedelta(days=1)
    services.add_activity(
        plan,
        caseworker.user,
        plan.version,
        _activity_data(
            member,
            title="Gammel",
            starts_on=timezone.localdate() - 90 * day,
            ends_on=timezone.localdate() - 40 * day,
        ),
    )
    services.add_activity(
        plan,
        caseworker.user,
        plan.version,
        _activity_data(
            member, title="Senere", starts_on=timezone.localdate() + 200 * day, ends_on=None
        ),
    )
    services.add_activity(
        plan,
        caseworker.user,
        plan.version,
        _activity_data(
            member,
            title="Færdig",
            status="done",
            ends_on=timezone.localdate() - 30 * day,
            starts_on=timezone.localdate() - 60 * day,
        ),
    )
    services.update_plan(
        plan,
        caseworker.user,
        plan.version,
        {"followup_at": timezone.now() - 3 * day, "followup_place": "Jobcentret"},
    )
    from enplan.consent.policy import for_viewer

    ctx = plan_context(plan, for_viewer(caseworker.user, citizen))
    tl = ctx["timeline"]
    assert (tl["end"] - tl["start"]).days + 1 == TIMELINE_DAYS and tl["start"].weekday() == 0
    assert tl["start"] < timezone.localdate() <= tl["end"] and 0 < tl["today_x"] < 100
    (row,) = tl["rows"]  # overdue and still open: kept; the later and the finished are not
    assert row["activity"].title == "Gammel" and row["activity"].overdue
    assert row["before"] and row["x"] == 0 and row["w"] == 0  # its plan ended before the window
    assert row["late_x"] == 0 and row["late_w"] == pytest.approx(tl["today_x"] + 100 / 105, 0.01)
    assert tl["followup"]["overdue"] and ctx["followup_overdue"]
    assert len(tl["months"]) >= 3 and len(tl["weeks"]) == 15
    assert timeline([], None, timezone.localdate())["followup"] is None


def test_overdue_follow_up_is_flagged_on_caseload_and_plan(plan, caseworker, client_for, citizen):
    client = client_for(caseworker)
    services.update_plan(
        plan,
        caseworker.user,
        1,
        {
            "followup_at": timezone.now() - datetime.timedelta(days=2),
            "followup_place": "Jobcentret",
        },
    )
    caseload = client.get("/citizens/").content.decode()
    cell = caseload.split("<time", 1)[1].split("</td>", 1)[0]
    assert "Forsinket" in cell or "Overdue" in cell
    page = client.get(f"/citizens/{citizen.uuid}/plan/").content.decode()
    followup = page.split('id="h-followup"', 1)[1]
    assert 'class="badge warn"' in followup
    services.update_plan(
        plan,
        caseworker.user,
        2,
        {"followup_at": timezone.now() + datetime.timedelta(days=2)},
    )
    caseload = client.get("/citizens/").content.decode()
    assert "badge warn" not in caseload.split("<time", 1)[1].split("</td>", 1)[0]


def test_editing_an_activity_keeps_a_sub_goal_the_editor_may_not_see(
    plan, caseworker, psych, client_for, citizen
):
    """Lene (psychiatry) may not see the jobcenter's sub-goal (no consent); her own activity
    is linked to it. Saving her activity must keep the link she cannot see."""
    goal = services.add_goal(plan, caseworker.user, 1, {"title": "Jobcentrets mål"})
    member = citizen.memberships.get(professional=psych)
    activity = services.add_activity(
        plan, psych.user, 2, _activity_data(member, goal=goal, track="treatment")
    )
    client = client_for(psych)
    url = f"/citizens/{citizen.uuid}/plan/activities/{activity.uuid}/"
    form = client.get(url).context["form"]
    assert "goal" not in form.fields
    data = {k: v for k, v in form.initial.items() if k in form.fields and v is not None}
    data.update(
        responsible=str(member.uuid),
        organisation=str(member.organisation.uuid),
        title="Samtaler",
        version=3,
    )
    assert client.post(url, data).status_code == 302
    activity.refresh_from_db()
    assert activity.title == "Samtaler" and activity.goal == goal


def test_history_does_not_name_a_field_the_reader_may_not_see(
    plan, caseworker, psych, client_for, citizen
):
    services.update_plan(plan, caseworker.user, 1, {"area_health": "Sover dårligt"})
    services.update_plan(plan, psych.user, 2, {"area_psychiatry": "Medicin"})
    client = client_for(psych)  # no consent: the jobcenter's health text is not shared
    client.cookies["django_language"] = "en"
    page = client.get(f"/citizens/{citizen.uuid}/plan/history/").content.decode()
    assert "Changed: something not shared with you" in page
    assert "Changed: Support from psychiatry" in page
    assert "Changed: Health" not in page


def test_timeline_shows_other_dated_events(plan, caseworker, client_for, citizen):
    """Other apps' dated events (e.g. a network meeting) are placed on the same axis."""
    from enplan.plans.views import timeline, timeline_start

    start = timeline_start(timezone.localdate())
    events = [
        {
            "label": "Netværksmøde",
            "day": timezone.localdate() + datetime.timedelta(days=7),
            "url": "/m/1/",
        },
        {"label": "For sent", "day": start - datetime.timedelta(days=1), "url": ""},
    ]
    tl = timeline([], None, timezone.localdate(), events)
    assert [e["label"] for e in tl["events"]] == ["Netværksmøde"]
    assert tl["today_x"] < tl["events"][0]["x"] < 100 and tl["start"] == start
