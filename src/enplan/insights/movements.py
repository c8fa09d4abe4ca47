"""Citizens' movements: their state at course start against their state after N months, for
employment or education and for substance use, as the En plan report's figure 7 shows them
(004:246–309). Progress is counted as the report's text does: for substance use, out of
abuse or reduced (also "out of alcohol, still using hash"); for employment or education, in
or towards work or education (ordinary or part-time job, wage subsidy, small job, work
placement, flexjob track, education, course). Clarification of work capacity and sick pay
are no progress.

The state at course start is the target group of the course (employment) and "substance use"
for every course that has a substance-use outcome (the project's citizens all started in
abuse). The state after N months is the course's recorded outcome; N keeps only courses that
began at least N months before the end of the period.
"""

from __future__ import annotations

import datetime
import textwrap
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from enplan.courses.models import Course, EmploymentOutcome, SubstanceOutcome, TargetGroup

from .privacy import HIDDEN, PEOPLE, SUPPRESSED, Column, K, Table, suppress
from .scope import Period, Scope

EMPLOYMENT_PROGRESS = frozenset(
    {
        EmploymentOutcome.JOB_FULL,
        EmploymentOutcome.JOB_PART,
        EmploymentOutcome.WAGE_SUBSIDY,
        EmploymentOutcome.SMALL_JOB,
        EmploymentOutcome.WORK_PLACEMENT,
        EmploymentOutcome.FLEXJOB_TRACK,
        EmploymentOutcome.EDUCATION,
        EmploymentOutcome.COURSE,
    }
)
SUBSTANCE_PROGRESS = frozenset({SubstanceOutcome.OUT, SubstanceOutcome.REDUCED})

# Outcome states grouped for the diagram: fewer, larger cells (fewer of them below 5).
EMPLOYMENT_GROUPS = (
    (
        "job",
        gettext_lazy("Job"),
        {
            EmploymentOutcome.JOB_FULL,
            EmploymentOutcome.JOB_PART,
            EmploymentOutcome.WAGE_SUBSIDY,
            EmploymentOutcome.SMALL_JOB,
        },
    ),
    (
        "education",
        gettext_lazy("Education or course"),
        {EmploymentOutcome.EDUCATION, EmploymentOutcome.COURSE},
    ),
    (
        "placement",
        gettext_lazy("Work placement or flexjob track"),
        {EmploymentOutcome.WORK_PLACEMENT, EmploymentOutcome.FLEXJOB_TRACK},
    ),
    (
        "clarification",
        gettext_lazy("Clarification or sick pay"),
        {EmploymentOutcome.RESOURCE_COURSE, EmploymentOutcome.SICK_PAY},
    ),
    (
        "none",
        gettext_lazy("No change yet, moved or no contact"),
        {EmploymentOutcome.NONE, EmploymentOutcome.MOVED_AWAY, EmploymentOutcome.NO_CONTACT},
    ),
)
SUBSTANCE_GROUPS = (
    ("out", gettext_lazy("Out of substance abuse"), {SubstanceOutcome.OUT}),
    ("reduced", gettext_lazy("Reduced substance use"), {SubstanceOutcome.REDUCED}),
    ("treatment", gettext_lazy("In treatment"), {SubstanceOutcome.IN_TREATMENT}),
    ("using", gettext_lazy("Still using"), {SubstanceOutcome.STILL_USING}),
)
MONTH_CHOICES = (0, 3, 6, 9, 12)


@dataclass
class Flow:
    source: str
    target: str
    n: int


@dataclass
class Movements:
    key: str
    title: str
    sources: list[tuple[str, str]]  # (key, label)
    targets: list[tuple[str, str]]
    flows: list[Flow]
    total: int
    progress: int
    progress_keys: frozenset = field(default_factory=frozenset)

    def hidden(self) -> tuple[set[int], set[str]]:
        """The flows (indices) and nodes (keys) not to show as numbers: below 5, and, where a
        node's or the whole's total is shown, one more beside a lone "<5" so that the total
        minus the shown cells does not give it away (repeated until nothing changes)."""
        hidden = {i for i, f in enumerate(self.flows) if f.n < K}
        node_total: dict[str, int] = {}
        groups: list[list[int]] = []
        for side in ("source", "target"):
            by_node: dict[str, list[int]] = {}
            for i, f in enumerate(self.flows):
                key = getattr(f, side)
                by_node.setdefault(key, []).append(i)
                node_total[key] = node_total.get(key, 0) + f.n
            groups += list(by_node.values())
        hidden_nodes = {k for k, n in node_total.items() if n < K}
        node_groups = [
            [k for k, _l in self.sources if k in node_total],
            [k for k, _l in self.targets if k in node_total],
        ]
        changed = True
        while changed:
            changed = False
            for idxs in groups:
                rest = [i for i in idxs if i not in hidden]
                if len(idxs) - len(rest) == 1 and rest:
                    hidden.add(min(rest, key=lambda i: self.flows[i].n))
                    changed = True
            for keys in node_groups:
                rest = [k for k in keys if k not in hidden_nodes]
                if len(keys) - len(rest) == 1 and rest:
                    hidden_nodes.add(min(rest, key=lambda k: node_total[k]))
                    changed = True
        return hidden, hidden_nodes

    def shown(self, n: int, is_hidden: bool):
        return (SUPPRESSED if n < K else HIDDEN) if is_hidden else n

    def table(self) -> Table:
        """The diagram's data table (suppressed)."""
        labels = dict(self.sources) | dict(self.targets)
        table = Table(
            f"movements_{self.key}",
            self.title,
            [
                Column("start", _("At course start")),
                Column("after", _("After")),
                Column("citizens", _("Citizens"), PEOPLE),
            ],
        )
        hidden, _nodes = self.hidden()
        for i, f in enumerate(self.flows):
            table.add(
                start=labels[f.source],
                after=labels[f.target],
                citizens=self.shown(f.n, i in hidden),
            )
        table.add(start=_("All"), after=_("Progress"), citizens=self.progress_shown)
        table.add(start=_("All"), after=_("All"), citizens=self.total)
        return table

    @property
    def progress_shown(self):
        # beside the total, a progress count also names how many made none
        if self.progress >= K and self.total - self.progress < K:
            return HIDDEN
        return suppress(self.progress)

    @property
    def total_shown(self):
        return suppress(self.total)

    @property
    def share_shown(self):
        if not self.total:
            return "–"
        if self.progress < K or self.total - self.progress < K:
            return SUPPRESSED
        return f"{round(100 * self.progress / self.total)} %"


def _courses(scope: Scope, period: Period, months: int):
    latest_start = _months_before(period.end, months)
    return Course.objects.filter(
        citizen_id__in=scope.citizen_ids(period), starts_on__lte=latest_start
    ).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=period.start))


def _months_before(day: datetime.date, months: int) -> datetime.date:
    y, m = divmod(day.year * 12 + day.month - 1 - months, 12)
    import calendar

    return day.replace(year=y, month=m + 1, day=min(day.day, calendar.monthrange(y, m + 1)[1]))


def _group_of(groups, value: str) -> str:
    return next((key for key, _l, members in groups if value in members), groups[-1][0])


def movements(scope: Scope, period: Period, months: int = 0) -> list[Movements]:
    """Both diagrams in two GROUP BY queries."""
    qs = _courses(scope, period, months)
    employment_rows = (
        qs.values("target_group", "employment_outcome")
        .annotate(n=Count("citizen_id", distinct=True))
        .order_by()
    )
    substance_rows = (
        qs.exclude(substance_outcome="")
        .values("substance_outcome")
        .annotate(n=Count("citizen_id", distinct=True))
        .order_by()
    )
    after = _("after %(months)s months") % {"months": months} if months else _("latest state")
    # employment
    flows: dict[tuple[str, str], int] = {}
    progress = total = 0
    for row in employment_rows:
        key = (row["target_group"], _group_of(EMPLOYMENT_GROUPS, row["employment_outcome"]))
        flows[key] = flows.get(key, 0) + row["n"]
        total += row["n"]
        progress += row["n"] if row["employment_outcome"] in EMPLOYMENT_PROGRESS else 0
    used_sources = {s for s, _t in flows}
    employment = Movements(
        "employment",
        _("Employment or education: at course start and %(after)s") % {"after": after},
        [(k, str(label)) for k, label in TargetGroup.choices if k in used_sources],
        [(k, str(label)) for k, label, _m in EMPLOYMENT_GROUPS],
        [Flow(s, t, n) for (s, t), n in sorted(flows.items())],
        total,
        progress,
    )
    s_flows: dict[str, int] = {}
    s_progress = s_total = 0
    for row in substance_rows:
        key = _group_of(SUBSTANCE_GROUPS, row["substance_outcome"])
        s_flows[key] = s_flows.get(key, 0) + row["n"]
        s_total += row["n"]
        s_progress += row["n"] if row["substance_outcome"] in SUBSTANCE_PROGRESS else 0
    substance = Movements(
        "substance",
        _("Substance use: at course start and %(after)s") % {"after": after},
        [("using_at_start", _("Substance use at course start"))],
        [(k, str(label)) for k, label, _m in SUBSTANCE_GROUPS],
        [Flow("using_at_start", t, n) for t, n in s_flows.items()],
        s_total,
        s_progress,
    )
    return [employment, substance]


# --- the diagram -----------------------------------------------------------------------------

WIDTH, NODE_W, GAP, HEIGHT = 760, 14, 12, 420
MARGIN = 220  # room for the labels on either side
PALETTE = ("#1b5e8c", "#b35c00", "#2e7d32", "#6a3d9a", "#8c2d19", "#00695c")


@dataclass
class Node:
    key: str
    label: str
    shown: object  # the suppressed count as text
    x: float
    y: float
    h: float
    colour: str = PALETTE[0]

    # Coordinates as SVG reads them: formatted here, never by the template (a Danish locale
    # would write a decimal comma).
    @property
    def svg_x(self) -> str:
        return f"{self.x:.1f}"

    @property
    def svg_y(self) -> str:
        return f"{self.y:.1f}"

    @property
    def svg_h(self) -> str:
        return f"{self.h:.1f}"

    @property
    def lines(self) -> list[tuple[str, str]]:
        """The label in whole words on at most two lines (dy of each), the count last."""
        words = textwrap.wrap(f"{self.label} ({self.shown})", 30, break_long_words=False)
        if len(words) > 2:
            words = [words[0], words[1] + " …"]
        return [(text, "1em" if i == 0 else "1.2em") for i, text in enumerate(words)]

    @property
    def label_left(self) -> str:
        return f"{self.x - 6:.1f}"

    @property
    def label_right(self) -> str:
        return f"{self.x + NODE_W + 6:.1f}"


@dataclass
class Band:
    path: str
    colour: str
    title: str


def diagram(m: Movements) -> dict:
    """Node and band geometry for the server-rendered SVG. Sizes follow the suppressed
    numbers: a flow below 5 is drawn at the width of 2.5 citizens and labelled "<5", so the
    picture reveals no more than the table."""

    hidden, hidden_nodes = m.hidden()

    def size(i: int) -> float:
        n = m.flows[i].n
        return (2.5 if n < K else 5.0) if i in hidden else n

    out_of = {s: 0.0 for s, _l in m.sources}
    into = {t: 0.0 for t, _l in m.targets}
    raw_out = {s: 0 for s, _l in m.sources}
    raw_in = {t: 0 for t, _l in m.targets}
    for i, f in enumerate(m.flows):
        out_of[f.source] += size(i)
        into[f.target] += size(i)
        raw_out[f.source] += f.n
        raw_in[f.target] += f.n
    targets = [(k, label) for k, label in m.targets if into[k] > 0]
    total = max(sum(out_of.values()), sum(into.values()), 1)
    usable = HEIGHT - GAP * (max(len(m.sources), len(targets)) + 1)
    scale = usable / total

    def column(items, sizes, raw, x):
        nodes, y = {}, GAP
        for i, (k, label) in enumerate(items):
            h = max(sizes[k] * scale, 4)
            shown = m.shown(raw[k], k in hidden_nodes)
            nodes[k] = Node(k, label, shown, x, y, h, PALETTE[i % len(PALETTE)])
            y += h + GAP
        return nodes

    left = column(m.sources, out_of, raw_out, MARGIN)
    right = column(targets, into, raw_in, WIDTH - MARGIN - NODE_W)
    out_y = {k: n.y for k, n in left.items()}
    in_y = {k: n.y for k, n in right.items()}
    bands = []
    labels = dict(m.sources) | dict(m.targets)
    for i, f in enumerate(m.flows):
        w = size(i) * scale
        x0, x1 = MARGIN + NODE_W, WIDTH - MARGIN - NODE_W
        y0, y1 = out_y[f.source], in_y[f.target]
        mid = (x0 + x1) / 2
        path = (
            f"M{x0:.1f},{y0:.1f} C{mid:.1f},{y0:.1f} {mid:.1f},{y1:.1f} {x1:.1f},{y1:.1f} "
            f"L{x1:.1f},{y1 + w:.1f} C{mid:.1f},{y1 + w:.1f} {mid:.1f},{y0 + w:.1f} "
            f"{x0:.1f},{y0 + w:.1f} Z"
        )
        out_y[f.source] += w
        in_y[f.target] += w
        shown = m.shown(f.n, i in hidden)
        bands.append(
            Band(path, left[f.source].colour, f"{labels[f.source]} → {labels[f.target]}: {shown}")
        )
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "left": list(left.values()),
        "right": list(right.values()),
        "bands": bands,
        "node_w": NODE_W,
        "suppressed": SUPPRESSED,
    }
