"""Plan pages. With htmx, an edit swaps only the part of the page it concerns; without
JavaScript every form still works as a plain page."""

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe
from django_htmx.http import reswap, retarget

from enplan.audit.models import Action
from enplan.audit.services import record
from enplan.citizens.access import get_visible_citizen
from enplan.consent.policy import SharingPolicy, for_viewer
from enplan.core.actions import WriteAction, performs
from enplan.core.links import UrlPattern

from . import actions, services
from .forms import (
    ActivityForm,
    DeleteForm,
    GoalForm,
    PlanFollowupForm,
    PlanGoalsForm,
    TrackForm,
)
from .models import (
    OPEN_ACTIVITY_STATUSES,
    PLAN_FIELD_CATEGORIES,
    Activity,
    Goal,
    Plan,
    Track,
)
from .services import PlanConflict
from .snapshots import change_summary, compare, version_withheld
from .sources import annotate as annotate_sources
from .sources import annotate_activities, timeline_events

TIMELINE_DAYS = 105  # 15 weeks: two back, thirteen (three months) ahead


def _load(request, citizen_uuid) -> tuple:
    """The citizen and the plan. A GET never writes: a citizen without a plan row (registered
    before plans were created at registration) sees the empty plan; the first write
    creates it."""
    citizen = get_visible_citizen(request.user, citizen_uuid, "plan")
    if request.method == "POST":
        return citizen, services.create_plan(citizen, request.user)
    return citizen, services.plan_of(citizen)


PLAN_TEXT_FIELDS = (
    "final_goal",
    "area_future",
    "area_everyday",
    "area_health",
    "area_psychiatry",
    "area_jobcenter",
    "mentor_role",
    "support_contact_role",
)


def _pct(day: datetime.date, start: datetime.date) -> float:
    return round(100 * (day - start).days / TIMELINE_DAYS, 2)


def timeline_start(today: datetime.date) -> datetime.date:
    """The first day the timeline shows: the Monday two weeks before this week's."""
    return today - datetime.timedelta(days=today.weekday() + 14)


def timeline(
    activities: list[Activity], followup, today: datetime.date, events: Iterable[dict] = ()
) -> dict:
    """The plan's three months as a timeline: two weeks back (so what has just ended, or
    should have, is in view) and thirteen weeks ahead. Positions are percentages of the width.

    An open activity past its end date is overdue: its planned span is clamped to the window
    and a marked stretch runs from its end to today. Activities wholly outside the window,
    and finished ones that ended before it, are left out (the list below has them all).
    `events` are other dated things to show ({"label", "day", "url"}, e.g. meetings)."""
    start = timeline_start(today)
    end = start + datetime.timedelta(days=TIMELINE_DAYS)  # exclusive
    rows = []
    for a in activities:
        last = a.ends_on or end - datetime.timedelta(days=1)
        if a.overdue:
            last = max(last, today)
        if last < start or a.starts_on >= end:
            continue
        # `last` may be as late as a date can be: clamp it before adding the day after it.
        last = min(last, end - datetime.timedelta(days=1))
        first, stop = max(a.starts_on, start), last + datetime.timedelta(days=1)
        row = {
            "activity": a,
            "x": _pct(first, start),
            "w": max(_pct(stop, start) - _pct(first, start), 1),
            "before": a.starts_on < start,
            "after": (a.ends_on or end) >= end,
        }
        if a.overdue:
            # The planned part ends at the planned end (or where the window starts).
            planned_stop = min(max(a.ends_on + datetime.timedelta(days=1), start), end)
            row["w"] = max(_pct(planned_stop, start) - row["x"], 0)
            row["late_x"] = _pct(planned_stop, start)
            row["late_w"] = max(_pct(stop, start) - row["late_x"], 1)
        rows.append(row)
    months, weeks = [], []
    day = start
    while day < end:
        if day.day == 1 or day == start:
            months.append({"date": day, "x": _pct(day, start)})
        if day.weekday() == 0:
            weeks.append({"x": _pct(day, start), "number": day.isocalendar()[1]})
        day += datetime.timedelta(days=1)
    if len(months) > 1 and months[1]["x"] - months[0]["x"] < 15:
        months.pop(0)  # a partial first month's name would run into the next one
    point = None
    if followup is not None:
        on = timezone.localtime(followup).date()
        point = {
            "at": followup,
            "x": _pct(min(max(on, start), end - datetime.timedelta(days=1)), start),
            "overdue": on < today,
        }
    dated = [
        {**e, "x": _pct(e["day"], start)}
        for e in sorted(events, key=lambda e: e["day"])
        if start <= e["day"] < end
    ]
    return {
        "start": start,
        "end": end - datetime.timedelta(days=1),
        "events": dated,
        "today": today,
        "today_x": _pct(today, start),
        "months": months,
        "weeks": weeks,
        "rows": rows,
        "followup": point,
    }


def plan_context(plan: Plan, policy: SharingPolicy) -> dict:
    """Everything the plan shows, with each piece the viewer may not see marked `withheld`
    (and its content left out of the page)."""
    if plan.pk is None:  # not written yet: the empty plan
        return _empty_context(plan, policy)
    activities = list(
        plan.activities.select_related(
            "goal", "organisation", "responsible__professional", "responsible__organisation"
        )
    )
    today = timezone.localdate()
    goals = list(plan.goals.all())
    tracks = list(plan.tracks.select_related("ready_signalled_by"))
    for item in [*goals, *tracks]:
        policy.mask(item)
    for a in activities:
        policy.mask(a, links=("goal",))
    for a in activities:
        a.overdue = bool(a.ends_on and a.ends_on < today and a.status in OPEN_ACTIVITY_STATUSES)
    annotate_activities(plan, [a for a in activities if not a.withheld])
    followup_withheld = plan.field_withheld(policy, "followup_at")
    followup = None if followup_withheld else plan.followup_at
    fields = {
        name: {
            "label": capfirst(Plan._meta.get_field(name).verbose_name),
            "value": getattr(plan, name),
            "withheld": plan.field_withheld(policy, name),
        }
        for name in (*PLAN_TEXT_FIELDS, "followup_at")
    }
    last_change = plan.versions.select_related("author").defer("snapshot").first()
    return {
        "plan": plan,
        "fields": fields,
        "area_fields": [fields[n] for n in PLAN_TEXT_FIELDS[1:6]],
        "role_fields": [fields[n] for n in PLAN_TEXT_FIELDS[6:]],
        "goals": goals,
        "activities": activities,
        "timeline": timeline(
            [a for a in activities if not a.withheld],
            followup,
            today,
            events=timeline_events(plan, timeline_start(today), TIMELINE_DAYS),
        ),
        "followup_overdue": bool(followup and followup < timezone.now()),
        "tracks": tracks,
        "last_change": last_change,
    }


def _empty_context(plan: Plan, policy: SharingPolicy) -> dict:
    fields = {
        name: {
            "label": capfirst(Plan._meta.get_field(name).verbose_name),
            "value": getattr(plan, name),
            "withheld": None,
        }
        for name in (*PLAN_TEXT_FIELDS, "followup_at")
    }
    return {
        "plan": plan,
        "fields": fields,
        "area_fields": [fields[n] for n in PLAN_TEXT_FIELDS[1:6]],
        "role_fields": [fields[n] for n in PLAN_TEXT_FIELDS[6:]],
        "goals": [],
        "activities": [],
        "timeline": [],
        "tracks": [],
        "last_change": None,
    }


def _page_context(request, citizen, plan) -> dict:
    """`plan_context` with the citizen and each item's edit and remove links."""
    ctx = {"citizen": citizen, **plan_context(plan, for_viewer(request.user, citizen))}
    for kind in ("goal", "activity"):
        edit = UrlPattern(f"citizens:{kind}_edit", citizen.uuid)
        delete = UrlPattern(f"citizens:{kind}_delete", citizen.uuid)
        for item in ctx["goals" if kind == "goal" else "activities"]:
            item.edit_url, item.delete_url = edit(item.uuid), delete(item.uuid)
    edit = UrlPattern("citizens:track_edit", citizen.uuid)
    for track in ctx["tracks"]:
        track.edit_url = edit(track.uuid)
    return ctx


def _body(request, citizen, plan, status: int = 200) -> HttpResponse:
    ctx = _page_context(request, citizen, plan)
    return render(request, "plans/_body.html", ctx, status=status)


@login_required
@require_safe
def plan_page(request, citizen_uuid):
    citizen, plan = _load(request, citizen_uuid)
    if request.htmx:
        return _body(request, citizen, plan)
    return render(request, "plans/plan.html", _page_context(request, citizen, plan))


@dataclass
class Edit:
    """How one kind of plan edit finds its object, validates and saves."""

    form_class: type
    title: str
    save: Callable  # (form, obj, plan, user) -> None
    action: WriteAction | None = None  # what a POST performs (declared in plans/actions.py)
    lookup: Callable | None = None  # (plan, uuid) -> obj
    with_plan: bool = False  # the form needs the plan (choices limited to it)


def _edit(request, citizen_uuid, spec: Edit, obj_uuid=None, url_name: str = ""):
    citizen, plan = _load(request, citizen_uuid)
    policy = for_viewer(request.user, citizen)
    obj = spec.lookup(plan, obj_uuid) if spec.lookup else None
    if obj is not None and obj is not plan and policy.withheld_item(obj):
        record(request.user, citizen, Action.REFUSED, obj, reason="consent")
        raise PermissionDenied(_("This is not shared with you: the citizen's consent is missing."))
    kwargs = {"plan": plan, "policy": policy} if spec.with_plan else {}
    if spec.form_class is not DeleteForm:
        kwargs["instance"] = obj if obj is not None else spec.form_class._meta.model()
    shown_version = request.GET.get("version") or plan.version
    form = spec.form_class(request.POST or None, initial={"version": shown_version}, **kwargs)
    if obj is plan:  # what you may not see, you can neither see in the form nor overwrite
        for name in list(form.fields):
            if name in PLAN_FIELD_CATEGORIES and plan.field_withheld(policy, name):
                del form.fields[name]  # (a stale form's value for it is ignored)
    args = [citizen.uuid] + ([obj_uuid] if obj_uuid else [])
    action = reverse(url_name, args=args)
    slot = f"edit-{url_name.split(':')[-1]}-{obj_uuid or 'new'}"
    conflict = None
    if request.method == "POST" and form.is_valid():
        try:
            spec.save(form, obj, plan, request.user)
        except PlanConflict as e:
            # The form comes back as the user filled it in, with the message beside its
            # save button (where the user is looking), focused; nothing is written.
            conflict = e
        else:
            if request.htmx:
                return _body(request, citizen, plan)
            return redirect("citizens:plan", citizen.uuid)
    ctx = {"citizen": citizen, "form": form, "action": action, "title": spec.title, "slot": slot}
    ctx["is_delete"] = spec.form_class is DeleteForm
    ctx["conflict"] = conflict
    status = 409 if conflict else 422 if form.is_bound else 200
    if request.htmx:
        response = render(request, "plans/_form.html", ctx, status=status)
        if form.is_bound:
            response = reswap(retarget(response, f"#{slot}"), "outerHTML")
        return response
    return render(request, "plans/form_page.html", ctx, status=status)


def _item(model, plan, uuid):
    if plan.pk is None:  # the empty plan of a citizen nobody has written for yet
        raise Http404(_("No such item in this plan."))
    return get_object_or_404(model, plan=plan, uuid=uuid)


def _goal(plan, uuid):
    return _item(Goal, plan, uuid)


def _activity(plan, uuid):
    return _item(Activity, plan, uuid)


def _track(plan, uuid):
    return _item(Track, plan, uuid)


EDITS = {
    "plan_areas": Edit(
        PlanGoalsForm,
        gettext_lazy("Final goal and conversation areas"),
        lambda f, o, p, u: services.update_plan(p, u, f.expected_version(), f.changes()),
        lookup=lambda plan, _uuid: plan,
        action=actions.EDIT_PLAN,
    ),
    "plan_followup": Edit(
        PlanFollowupForm,
        gettext_lazy("Roles and next follow-up"),
        lambda f, o, p, u: services.update_plan(p, u, f.expected_version(), f.changes()),
        lookup=lambda plan, _uuid: plan,
        action=actions.EDIT_PLAN,
    ),
    "goal_new": Edit(
        GoalForm,
        gettext_lazy("New sub-goal"),
        lambda f, o, p, u: services.add_goal(p, u, f.expected_version(), f.changes()),
        action=actions.ADD_GOAL,
    ),
    "goal_edit": Edit(
        GoalForm,
        gettext_lazy("Sub-goal"),
        lambda f, o, p, u: services.update_goal(o, u, f.expected_version(), f.changes()),
        lookup=_goal,
        action=actions.EDIT_GOAL,
    ),
    "goal_delete": Edit(
        DeleteForm,
        gettext_lazy("Remove sub-goal"),
        lambda f, o, p, u: services.remove_goal(o, u, f.expected_version()),
        lookup=_goal,
        action=actions.REMOVE_GOAL,
    ),
    "activity_new": Edit(
        ActivityForm,
        gettext_lazy("New activity"),
        lambda f, o, p, u: services.add_activity(p, u, f.expected_version(), f.changes()),
        with_plan=True,
        action=actions.ADD_ACTIVITY,
    ),
    "activity_edit": Edit(
        ActivityForm,
        gettext_lazy("Activity"),
        lambda f, o, p, u: services.update_activity(o, u, f.expected_version(), f.changes()),
        lookup=_activity,
        with_plan=True,
        action=actions.EDIT_ACTIVITY,
    ),
    "activity_delete": Edit(
        DeleteForm,
        gettext_lazy("Remove activity"),
        lambda f, o, p, u: services.remove_activity(o, u, f.expected_version()),
        lookup=_activity,
        action=actions.REMOVE_ACTIVITY,
    ),
    "track_edit": Edit(
        TrackForm,
        gettext_lazy("Track"),
        lambda f, o, p, u: services.update_track(o, u, f.expected_version(), f.changes()),
        lookup=_track,
        action=actions.EDIT_TRACK,
    ),
}


def edit_view(name: str):
    spec = EDITS[name]

    @login_required
    @performs(spec.action)
    def view(request, citizen_uuid, obj_uuid=None):
        return _edit(request, citizen_uuid, spec, obj_uuid, f"citizens:{name}")

    view.__name__ = name
    return view


@login_required
@require_safe
def history(request, citizen_uuid):
    citizen, plan = _load(request, citizen_uuid)
    policy = for_viewer(request.user, citizen)
    versions = list(plan.versions.select_related("author").defer("snapshot")) if plan.pk else []
    for v in versions:
        v.withheld = version_withheld(v, policy)
        v.summary = "" if v.withheld else change_summary(v, policy.withheld)
    annotate_sources(plan, versions)
    return render(
        request,
        "plans/history.html",
        {"citizen": citizen, "plan": plan, "versions": versions},
    )


@login_required
@require_safe
def compare_view(request, citizen_uuid):
    citizen, plan = _load(request, citizen_uuid)
    try:
        a, b = int(request.GET.get("a", "")), int(request.GET.get("b", ""))
    except ValueError:
        return render(
            request,
            "plans/compare.html",
            {"citizen": citizen, "plan": plan, "error": _("Choose two versions to compare.")},
            status=400,
        )
    a, b = sorted((a, b))
    if plan.pk is None:
        raise Http404(_("No such version of this plan."))
    found = {v.number: v for v in plan.versions.filter(number__in=[a, b]).select_related("author")}
    if a not in found or b not in found:
        raise Http404(_("No such version of this plan."))
    return render(
        request,
        "plans/compare.html",
        {
            "citizen": citizen,
            "plan": plan,
            "va": found[a],
            "vb": found[b],
            "comparison": compare(
                found[a].snapshot, found[b].snapshot, for_viewer(request.user, citizen)
            ),
        },
    )
