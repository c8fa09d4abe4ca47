"""Plan snapshots (what each version stores) and side-by-side comparison of two of them."""

import datetime
from dataclasses import dataclass, field

from django.db import models
from django.utils import formats, timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from .models import PLAN_FIELD_CATEGORIES, Activity, Goal, Plan, Track

PLAN_FIELDS = (
    "final_goal",
    "area_future",
    "area_everyday",
    "area_health",
    "area_psychiatry",
    "area_jobcenter",
    "mentor_role",
    "support_contact_role",
    "followup_at",
    "followup_place",
    "followup_with",
)
GOAL_FIELDS = ("title", "area", "target_date", "status", "evaluation")
ACTIVITY_FIELDS = (
    "title",
    "goal",
    "track",
    "starts_on",
    "ends_on",
    "responsible",
    "organisation",
    "purpose",
    "legal_basis",
    "legal_reference",
    "status",
    "citizen_view",
    "evaluation",
)
TRACK_FIELDS = ("status", "summary", "ready_for_next_step", "ready_note")

SECTIONS = (
    ("goals", Goal, GOAL_FIELDS),
    ("activities", Activity, ACTIVITY_FIELDS),
    ("tracks", Track, TRACK_FIELDS),
)


def _raw(obj: models.Model, name: str):
    """A JSON-friendly value. Related objects are kept by their name at the time, which is
    what the history must show even after someone leaves the network."""
    f = obj._meta.get_field(name)
    if f.is_relation:
        related = getattr(obj, name)
        return str(related) if related is not None else None
    value = getattr(obj, name)
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return value


def _item(obj, names) -> dict:
    """An item with the consent facts needed to show it later: category and origin (and for
    an activity the public id of its sub-goal, whose own consent decides whether the link
    may be shown)."""
    item = {
        "uuid": str(obj.uuid),
        "_category": obj.category,
        "_origin": obj.origin_id,
        **{n: _raw(obj, n) for n in names},
    }
    if isinstance(obj, Activity):
        item["_goal"] = str(obj.goal.uuid) if obj.goal_id else None
        item["_responsible"] = obj.responsible.professional_id if obj.responsible_id else None
    return item


def snapshot(plan: Plan) -> dict:
    acts = plan.activities.select_related(
        "goal", "organisation", "responsible__professional", "responsible__organisation"
    )
    return {
        "plan": {name: _raw(plan, name) for name in PLAN_FIELDS},
        "plan_origins": {name: plan.origin_of(name) for name in PLAN_FIELDS},
        "goals": [_item(g, GOAL_FIELDS) for g in plan.goals.all()],
        "activities": [_item(a, ACTIVITY_FIELDS) for a in acts],
        "tracks": [{**_item(t, TRACK_FIELDS), "kind": t.kind} for t in plan.tracks.all()],
    }


def display(model: type[models.Model], name: str, raw) -> str:
    """Render a stored raw value for people, in the active language."""
    if raw is None or raw == "":
        return "–"
    f = model._meta.get_field(name)
    if f.choices:
        return str(dict(f.flatchoices).get(raw, raw))
    if isinstance(f, models.BooleanField):
        return _("Yes") if raw else _("No")
    if isinstance(f, models.DateTimeField):
        dt = parse_datetime(raw)
        return formats.date_format(timezone.localtime(dt), "DATETIME_FORMAT") if dt else raw
    if isinstance(f, models.DateField):
        d = parse_date(raw)
        return formats.date_format(d, "DATE_FORMAT") if d else raw
    return str(raw)


NOT_SHARED = "\u2014"  # placeholder value; the template shows the not-shared notice


@dataclass
class Row:
    label: str
    a: str
    b: str
    withheld: object = None

    @property
    def changed(self) -> bool:
        return self.a != self.b


@dataclass
class Item:
    """One goal/activity/track in the comparison."""

    title: str
    state: str  # "added", "removed", "changed", "same"
    rows: list[Row] = field(default_factory=list)
    withheld: object = None


@dataclass
class Comparison:
    plan_rows: list[Row]
    sections: list[tuple[str, list[Item]]]

    @property
    def has_changes(self) -> bool:
        return any(r.changed for r in self.plan_rows) or any(
            i.state != "same" for _, items in self.sections for i in items
        )


def _rows(model, names, a: dict | None, b: dict | None) -> list[Row]:
    return [
        Row(
            label=capfirst(model._meta.get_field(n).verbose_name),
            a=display(model, n, a.get(n)) if a else "",
            b=display(model, n, b.get(n)) if b else "",
        )
        for n in names
    ]


class _Everything:
    """The policy of a reader who may see everything (the citizen's own export, tests)."""

    professional_id = None

    @staticmethod
    def withheld(category, origin):
        return None


def _goal_withheld(policy, activity: dict, snap: dict):
    """The verdict on the sub-goal an activity links to, by the goal's own category and
    origin. Snapshots written before the link kept its id are matched by title; a goal not
    found there is judged by the activity's origin (the one who made the link)."""
    if not activity.get("goal"):
        return None
    goals = snap.get("goals", [])
    goal_id = activity.get("_goal")
    goal = next(
        (
            g
            for g in goals
            if (g["uuid"] == goal_id if goal_id else g.get("title") == activity["goal"])
        ),
        None,
    )
    if goal is not None:
        return policy.withheld(goal.get("_category", "plan"), goal.get("_origin"))
    return policy.withheld("plan", activity.get("_origin"))


def _blank_track(item: dict) -> bool:
    return (
        "kind" in item
        and not (item.get("summary") or item.get("ready_note") or item.get("ready_for_next_step"))
        and item.get("status") == "active"
    )


def _withheld_item(policy, item: dict):
    """The policy's verdict on a stored item, as `SharingPolicy.withheld_item` for a live one
    (the responsible person sees her own activity's title and dates)."""
    if _blank_track(item):
        return None
    w = policy.withheld(item.get("_category", "plan"), item.get("_origin"))
    if (
        w is not None
        and policy.professional_id is not None
        and item.get("_responsible") == policy.professional_id
    ):
        from enplan.consent.policy import OWN_TASK_FIELDS

        w.own_task = {name: item.get(name) for name in OWN_TASK_FIELDS}
    return w


def version_withheld(version, policy):
    """Whether a version's subject line (a goal's or activity's title) is withheld."""
    if not version.subject:
        return None
    return policy.withheld(version.subject_category or "plan", version.subject_origin_id)


def compare(a: dict, b: dict, policy=None) -> Comparison:
    """Compare snapshot `a` (older) with `b` (newer), matching items by their public id.

    `policy` (the viewer's `SharingPolicy`) hides what the viewer may not see: such rows and
    items keep only the fact that they exist; a visible activity's link to a withheld
    sub-goal shows as not shared."""
    policy = policy or _Everything()
    withheld = policy.withheld
    section_titles = {"goals": _("Sub-goals"), "activities": _("Activities"), "tracks": _("Tracks")}
    sections = []
    for key, model, names in SECTIONS:
        old = {i["uuid"]: i for i in a.get(key, [])}
        new = {i["uuid"]: i for i in b.get(key, [])}
        items = []
        for uid in list(old) + [u for u in new if u not in old]:
            before, after = old.get(uid), new.get(uid)
            rows = _rows(model, names, before, after)
            if before is None:
                state = "added"
            elif after is None:
                state = "removed"
            else:
                state = "changed" if any(r.changed for r in rows) else "same"
            if key == "tracks":
                title = display(Track, "kind", (after or before)["kind"])
            else:
                title = (after or before)["title"]
            hidden = next(
                (w for s in (before, after) if s and (w := _withheld_item(policy, s))), None
            )
            if hidden:
                title, rows = "", []
            elif key == "activities":
                link = [
                    _goal_withheld(policy, s, snap) if s else None
                    for s, snap in ((before, a), (after, b))
                ]
                if any(link):
                    row = rows[names.index("goal")]
                    row.a = row.b = NOT_SHARED
                    row.withheld = next(w for w in link if w)
            items.append(Item(title=title, state=state, rows=rows, withheld=hidden))
        sections.append((section_titles[key], items))
    plan_rows = _rows(Plan, PLAN_FIELDS, a["plan"], b["plan"])
    for row, name in zip(plan_rows, PLAN_FIELDS, strict=True):
        category = PLAN_FIELD_CATEGORIES[name]
        hidden = next(
            (
                w
                for snap in (a, b)
                if snap["plan"].get(name) not in ("", None)
                and (w := withheld(category, snap.get("plan_origins", {}).get(name)))
            ),
            None,
        )
        if hidden:
            row.a = row.b = NOT_SHARED
            row.withheld = hidden
    return Comparison(plan_rows=plan_rows, sections=sections)


def redact(snap: dict, policy) -> dict:
    """A snapshot as a viewer may see it: withheld items and fields are replaced by a note
    that they exist (category and origin), never their content; a visible activity's link to
    a withheld sub-goal is cut."""
    withheld = policy.withheld
    out = {"plan": {}, "not_shared": []}
    for name, value in snap["plan"].items():
        origin = snap.get("plan_origins", {}).get(name)
        w = value not in ("", None) and withheld(PLAN_FIELD_CATEGORIES[name], origin)
        out["plan"][name] = None if w else value
        if w:
            out["not_shared"].append({"kind": "plan_field", "id": name, "category": w.category})
    for key, _model, _names in SECTIONS:
        out[key] = []
        for item in snap.get(key, []):
            w = _withheld_item(policy, item)
            if w:
                note = {"kind": key, "id": item["uuid"], "category": w.category}
                if w.own_task:
                    note["own_task"] = w.own_task
                out["not_shared"].append(note)
                continue
            shown = {k: v for k, v in item.items() if not k.startswith("_")}
            if key == "activities" and (g := _goal_withheld(policy, item, snap)):
                shown["goal"] = None
                out["not_shared"].append(
                    {"kind": "activity_goal", "id": item["uuid"], "category": g.category}
                )
            out[key].append(shown)
    return out


# What the history calls each field of the plan: the conversation areas by their short names,
# and the three parts of the follow-up as one.
def _plan_field_names() -> dict[str, str]:
    from .models import ConversationArea

    followup = _("Next follow-up")
    return {
        "final_goal": _("Final goal"),
        "area_future": ConversationArea.FUTURE.label,
        "area_everyday": ConversationArea.EVERYDAY.label,
        "area_health": ConversationArea.HEALTH.label,
        "area_psychiatry": ConversationArea.PSYCHIATRY.label,
        "area_jobcenter": ConversationArea.JOBCENTER.label,
        "mentor_role": _("Role of the mentor"),
        "support_contact_role": _("Role of the støttekontaktperson"),
        "followup_at": followup,
        "followup_place": followup,
        "followup_with": followup,
    }


_SUBJECT_MODELS = {"goal": Goal, "activity": Activity, "track": Track}


def _item_field_names() -> dict[str, str]:
    """Shorter names where a field's label is a question or half of a pair."""
    return {
        "title": _("Title"),
        "evaluation": _("Evaluation"),
        "starts_on": _("Dates"),
        "ends_on": _("Dates"),
        "citizen_view": _("The citizen's view"),
    }


def _everything(category, origin):
    """The withheld-check of a reader who may see everything."""
    return None


def change_summary(version, withheld=_everything) -> str:
    """What one version changed, in the reader's language: "Changed: Health, Next follow-up".

    Made from the field names the change stored. A plan field the reader may not see is not
    named (the change was made by the version's author's organisation, its origin)."""
    names = list(version.changed_fields or [])
    if not names:
        return ""
    kind = version.change.split("_", 1)[0]
    labels, hidden = [], False
    if kind == "plan":
        short = _plan_field_names()
        for name in names:
            if withheld(PLAN_FIELD_CATEGORIES.get(name, "plan"), version.subject_origin_id):
                hidden = True
            elif name in short:
                labels.append(str(short[name]))
    elif kind in _SUBJECT_MODELS:
        model, short = _SUBJECT_MODELS[kind], _item_field_names()
        for name in names:
            if name in short:
                labels.append(str(short[name]))
                continue
            try:
                labels.append(str(capfirst(model._meta.get_field(name).verbose_name)))
            except models.FieldDoesNotExist:
                continue
    labels = list(dict.fromkeys(labels))
    if hidden:
        labels.append(_("something not shared with you"))
    if not labels:
        return ""
    return _("Changed: %(fields)s") % {"fields": ", ".join(labels)}
