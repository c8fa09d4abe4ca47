"""The start page's aggregates. Each is a GROUP BY or a COUNT in the database, a fixed number
of queries whatever the number of citizens, and comes back as a `privacy.Table` (small cells
already suppressed). No query here returns a citizen's row to Python: where a figure needs a
distribution (days to the first meeting), only the numbers come back, without ids."""

from __future__ import annotations

import datetime
import statistics

from django.db.models import Avg, Case, CharField, Count, F, OuterRef, Q, Subquery, When
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from enplan.certificates.models import CertificateRequest
from enplan.consent.models import Consent
from enplan.cooperation import services as cooperation
from enplan.courses.models import Course, TargetGroup
from enplan.meetings.models import Kind, Meeting, Minutes, Status
from enplan.messaging.models import Message, Thread
from enplan.network.models import Handover, NetworkMembership, NetworkRole
from enplan.organisations.models import Sector
from enplan.plans.models import Plan

from .privacy import COUNT, DERIVED, PEOPLE, SUPPRESSED, Column, K, Table
from .scope import Period, Scope

YEAR = datetime.timedelta(days=365)


def _overlaps(period: Period, start: str, end: str) -> Q:
    return Q(**{f"{start}__lte": period.end}) & (
        Q(**{f"{end}__isnull": True}) | Q(**{f"{end}__gte": period.start})
    )


def _share(part: int, whole: int) -> str:
    """A share of people, shown only when both the part and the rest are 5 or more: the share
    and the whole would otherwise give the small one away."""
    if not whole:
        return "–"
    if part < K or whole - part < K:
        return SUPPRESSED
    return f"{round(100 * part / whole)} %"


def courses_by_target_group(scope: Scope, period: Period) -> Table:
    table = Table(
        "courses",
        _("Citizens in a course, by target group"),
        [Column("target_group", _("Target group")), Column("citizens", _("Citizens"), PEOPLE)],
    )
    labels = dict(TargetGroup.choices)
    rows = (
        Course.objects.filter(citizen_id__in=scope.citizen_ids(period))
        .filter(_overlaps(period, "starts_on", "ends_on"))
        .values("target_group")
        .annotate(n=Count("citizen_id", distinct=True))
        .order_by("target_group")
    )
    for row in rows:
        table.add(
            target_group=str(labels.get(row["target_group"], row["target_group"])),
            citizens=row["n"],
        )
    return table


def caseload(scope: Scope, period: Period) -> Table:
    """Citizens per coordinating caseworker: named for a manager of her own organisation,
    by organisation for a politician (caseworkers are people too: counted, not named)."""
    members = NetworkMembership.objects.filter(
        citizen_id__in=scope.citizen_ids(period),
        role=NetworkRole.COORDINATOR,
        started_at__lt=period.end_at,
    ).filter(Q(ended_at__isnull=True) | Q(ended_at__gte=period.start_at))
    if scope.is_manager:
        table = Table(
            "caseload",
            _("Caseload per coordinating caseworker"),
            [
                Column("caseworker", _("Caseworker")),
                Column("citizens", _("Citizens coordinated"), PEOPLE),
            ],
        )
        rows = (
            members.filter(organisation_id=scope.organisation_id, professional__isnull=False)
            .values("professional__name")
            .annotate(n=Count("citizen_id", distinct=True))
            .order_by("professional__name")
        )
        for row in rows:
            table.add(caseworker=row["professional__name"], citizens=row["n"])
        return table
    table = Table(
        "caseload",
        _("Caseload per organisation"),
        [
            Column("organisation", _("Organisation")),
            Column("caseworkers", _("Coordinating caseworkers"), PEOPLE),
            Column("citizens", _("Citizens coordinated"), PEOPLE),
            Column("per_caseworker", _("Citizens per caseworker"), DERIVED, base="caseworkers"),
        ],
    )
    rows = (
        members.values("organisation__name")
        .annotate(
            workers=Count("professional_id", distinct=True),
            n=Count("citizen_id", distinct=True),
        )
        .order_by("organisation__name")
    )
    for row in rows:
        per = round(row["n"] / row["workers"], 1) if row["workers"] else None
        table.add(
            organisation=row["organisation__name"],
            caseworkers=row["workers"],
            citizens=row["n"],
            per_caseworker=per if row["n"] >= 5 else None,
        )
    return table


def followups(scope: Scope, period: Period, now: datetime.datetime | None = None) -> Table:
    now = now or timezone.now()
    soon = now + datetime.timedelta(days=14)
    counts = Plan.objects.filter(citizen_id__in=scope.citizen_ids(period)).aggregate(
        overdue=Count("id", filter=Q(followup_at__lt=now)),
        soon=Count("id", filter=Q(followup_at__gte=now, followup_at__lt=soon)),
        later=Count("id", filter=Q(followup_at__gte=soon)),
        none=Count("id", filter=Q(followup_at__isnull=True)),
    )
    table = Table(
        "followups",
        _("Follow-ups on the plan"),
        [Column("state", _("Follow-up")), Column("citizens", _("Citizens"), PEOPLE)],
    )
    for key, label in (
        ("overdue", _("Overdue (date passed)")),
        ("soon", _("Within 14 days")),
        ("later", _("Later")),
        ("none", _("No follow-up date")),
    ):
        table.add(state=str(label), citizens=counts[key])
    return table


DAY_BUCKETS = ((14, "0–14"), (30, "15–30"), (60, "31–60"), (None, "> 60"))


def first_planning_meeting(scope: Scope, period: Period) -> Table:
    """Days from the start of a course (started in the period) to the citizen's first
    planning or network meeting on or after it."""
    first = (
        Meeting.objects.filter(
            citizen_id=OuterRef("citizen_id"),
            kind__in=[Kind.PLANNING, Kind.NETWORK],
            starts_at__date__gte=OuterRef("starts_on"),
        )
        .exclude(status=Status.CANCELLED)
        .order_by("starts_at")
        .values("starts_at")[:1]
    )
    pairs = list(
        Course.objects.filter(
            citizen_id__in=scope.citizen_ids(period),
            starts_on__gte=period.start,
            starts_on__lte=period.end,
        )
        .annotate(first=Subquery(first))
        .values_list("starts_on", "first")
    )
    days = [(timezone.localtime(f).date() - s).days for s, f in pairs if f is not None]
    table = Table(
        "first_meeting",
        _("Days from course start to the first planning meeting"),
        [Column("days", _("Days")), Column("citizens", _("Courses"), PEOPLE)],
    )
    low = 0
    for high, label in DAY_BUCKETS:
        n = sum(1 for d in days if d >= low and (high is None or d <= high))
        table.add(days=label, citizens=n)
        low = (high or 0) + 1
    table.add(days=_("No meeting yet"), citizens=len(pairs) - len(days))
    median = statistics.median(days) if days else None
    table.note = (
        _("Median: %(days)s days.") % {"days": median}
        if median is not None and len(days) >= 5
        else ""
    )
    return table


def continuity(scope: Scope, period: Period) -> Table:
    ids = scope.citizen_ids(period)
    coordinators = NetworkMembership.objects.filter(
        citizen_id__in=ids, role=NetworkRole.COORDINATOR
    )
    counts = coordinators.aggregate(
        in_period=Count(
            "citizen_id",
            distinct=True,
            filter=Q(started_at__lt=period.end_at)
            & (Q(ended_at__isnull=True) | Q(ended_at__gte=period.start_at)),
        ),
        at_end=Count(
            "citizen_id",
            distinct=True,
            filter=Q(started_at__lt=period.end_at)
            & (Q(ended_at__isnull=True) | Q(ended_at__gte=period.end_at)),
        ),
        long=Count(
            "citizen_id",
            distinct=True,
            filter=Q(started_at__lte=period.end_at - YEAR)
            & (Q(ended_at__isnull=True) | Q(ended_at__gte=period.end_at)),
        ),
    )
    handovers = Handover.objects.filter(
        citizen_id__in=ids,
        handed_over_at__gte=period.start_at,
        handed_over_at__lt=period.end_at,
    ).count()
    citizen_years = counts["in_period"] * period.days / 365.25
    table = Table(
        "continuity",
        _("Coordinator continuity"),
        [
            Column("measure", _("Measure")),
            Column("citizens", _("Citizens"), PEOPLE),
            Column("value", _("Value"), DERIVED, base="citizens"),
        ],
    )
    table.add(
        measure=_("Handovers of the coordinating caseworker per citizen-year"),
        citizens=counts["in_period"],
        # a rate from fewer than 5 handovers would name how many there were
        value=(
            SUPPRESSED
            if handovers < K
            else round(handovers / citizen_years, 2)
            if citizen_years
            else "–"
        ),
    )
    table.add(
        measure=_("Same coordinating caseworker for 12 months or more"),
        citizens=counts["at_end"],
        value=_share(counts["long"], counts["at_end"]),
    )
    return table


def reciprocity(scope: Scope, period: Period) -> Table:
    """Which sector starts the conversation with which: a thread's first message says who
    initiated it. A conversation between two organisations that both use enplan has a thread
    at each; only the initiator's (first message outgoing) is counted, plus threads started
    by a partner outside enplan."""
    # The first message stored in the thread (by id: a received message's time comes from
    # its bundle, to the second, and may sort before the message it answers).
    first_direction = (
        Message.objects.filter(thread_id=OuterRef("pk")).order_by("id").values("direction")[:1]
    )
    rows = (
        Thread.objects.filter(
            citizen_id__in=scope.citizen_ids(period),
            partner__isnull=False,
            last_message_at__gte=period.start_at,
        )
        .annotate(first=Subquery(first_direction))
        .filter(Q(first="out") | Q(first="in", partner__uses_enplan=False))
        .annotate(
            initiator=Case(
                When(first="out", then=F("organisation__sector")),
                default=F("partner__sector"),
                output_field=CharField(),
            ),
            receiver=Case(
                When(first="out", then=F("partner__sector")),
                default=F("organisation__sector"),
                output_field=CharField(),
            ),
        )
        .values("initiator", "receiver")
        .annotate(n=Count("citizen_id", distinct=True), threads=Count("id"))
        .order_by("initiator", "receiver")
    )
    labels = dict(Sector.choices)
    table = Table(
        "reciprocity",
        _("Who initiates contact with whom"),
        [
            Column("initiator", _("Initiated by")),
            Column("receiver", _("Contacted")),
            Column("citizens", _("Citizens"), PEOPLE),
            Column("threads", _("Conversations"), DERIVED, base="citizens"),
        ],
    )
    for row in rows:
        table.add(
            initiator=str(labels.get(row["initiator"], row["initiator"])),
            receiver=str(labels.get(row["receiver"], row["receiver"])),
            citizens=row["n"],
            threads=row["threads"],
        )
    return table


def consent_coverage(scope: Scope, period: Period) -> Table:
    from enplan.citizens.models import Citizen

    ids = scope.citizen_ids(period)
    total = Citizen.objects.filter(id__in=ids).count()
    covered = (
        Consent.objects.in_force(period.end)
        .filter(citizen_id__in=ids)
        .values("citizen_id")
        .distinct()
        .count()
    )
    table = Table(
        "consent",
        _("Consent coverage"),
        [
            Column("state", _("Consent")),
            Column("citizens", _("Citizens"), PEOPLE),
            Column("share", _("Share"), DERIVED, base="citizens"),
        ],
    )
    table.add(
        state=_("At least one consent in force"), citizens=covered, share=_share(covered, total)
    )
    table.add(
        state=_("No consent in force"),
        citizens=total - covered,
        share=_share(total - covered, total),
    )
    return table


CHECK_ITEMS = (  # lazy: read in the language of each request
    ("check_overview", _lazy("Overview")),
    ("check_meeting", _lazy("Influence on the meeting")),
    ("check_agreed", _lazy("Influence on what was agreed")),
    ("check_optimism", _lazy("Positive about the way ahead")),
)


def four_item_check(scope: Scope, period: Period) -> Table:
    """The citizen's four-item check per month (1 = very much … 5 = not at all)."""
    rows = (
        Minutes.objects.filter(
            citizen_id__in=scope.citizen_ids(period),
            meeting__starts_at__gte=period.start_at,
            meeting__starts_at__lt=period.end_at,
            check_overview__isnull=False,
        )
        .annotate(month=TruncMonth("meeting__starts_at"))
        .values("month")
        .annotate(n=Count("citizen_id", distinct=True), **{k: Avg(k) for k, _l in CHECK_ITEMS})
        .order_by("month")
    )
    table = Table(
        "check",
        _("The citizen's four-item check per month (1 = very much, 5 = not at all)"),
        [Column("month", _("Month")), Column("citizens", _("Citizens"), PEOPLE)]
        + [Column(k, str(label), DERIVED, base="citizens") for k, label in CHECK_ITEMS],
    )
    for row in rows:
        table.add(
            month=f"{row['month']:%Y-%m}",
            citizens=row["n"],
            # Numbers, not text: the page writes them the reader's way (1,8 in Danish).
            **{k: round(row[k], 1) if row[k] is not None else "–" for k, _l in CHECK_ITEMS},
        )
    return table


def certificate_turnaround(scope: Scope, period: Period) -> Table:
    rows = list(
        CertificateRequest.objects.with_progress()
        .filter(
            citizen_id__in=scope.citizen_ids(period),
            created_at__gte=period.start_at,
            created_at__lt=period.end_at,
        )
        .only("created_at", "answered_at", "used_at", "wanted_by", "citizen_id")
    )
    days = [r.turnaround_days for r in rows if r.turnaround_days is not None]
    on_time = sum(1 for r in rows if r.answered_on_time)
    table = Table(
        "certificates",
        _("Certificate turnaround"),
        [
            Column("measure", _("Measure")),
            Column("requests", _("Requests"), PEOPLE),
            Column("value", _("Value"), DERIVED, base="requests"),
        ],
    )
    table.add(
        measure=_("Answered: median days from request to answer"),
        requests=len(days),
        value=statistics.median(days) if days else "–",
    )
    table.add(
        measure=_("Answered by the date wanted"),
        requests=on_time,
        value=_share(on_time, len(days)),
    )
    table.add(measure=_("Waiting for an answer"), requests=len(rows) - len(days), value="")
    return table


def agreements(scope: Scope) -> Table:
    """Each cooperation agreement's compliance, counts only (issue #14): meeting cadence
    against the agreed number and certificate answers within the agreed days. For a manager
    the agreements of her organisation; for a politician those of organisations in the
    municipality. One query per agreement through cooperation.compliance (at most 25)."""
    from enplan.cooperation.models import Agreement

    qs = Agreement.objects.all()
    if scope.organisation_id is not None:
        qs = qs.filter(parties=scope.organisation_id)
    else:
        qs = qs.filter(parties__municipality_code=scope.municipality_code)
    table = Table(
        "agreements",
        _("Cooperation agreements: meeting cadence and certificate answers"),
        [
            Column("agreement", _("Agreement")),
            Column("meetings", _("Cooperation meetings held (last 12 months)"), COUNT),
            Column("required", _("Agreed a year"), COUNT),
            Column("certificates", _("Certificate requests"), PEOPLE),
            Column("on_time", _("Answered within the agreed days"), DERIVED, base="certificates"),
            Column("median", _("Median days to answer"), DERIVED, base="certificates"),
        ],
    )
    for agreement in qs.distinct().order_by("title")[:25]:
        c = cooperation.compliance(agreement)
        table.add(
            agreement=agreement.title,
            meetings=c.meetings_held if c.meetings_held is not None else "–",
            required=c.meetings_required,
            certificates=c.certificates,
            on_time=c.certificates_on_time if c.certificates_on_time >= 5 else "<5",
            median=c.median_days if c.median_days is not None else "–",
        )
    return table


def start_page(scope: Scope, period: Period) -> list[Table]:
    return [
        courses_by_target_group(scope, period),
        caseload(scope, period),
        followups(scope, period),
        first_planning_meeting(scope, period),
        continuity(scope, period),
        reciprocity(scope, period),
        consent_coverage(scope, period),
        four_item_check(scope, period),
        certificate_turnaround(scope, period),
        agreements(scope),
    ]
