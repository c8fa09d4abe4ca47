"""Read models for citizen lists. Each is one query whatever the number of rows."""

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from enplan.citizens.models import Citizen, Contact
from enplan.consent.policy import visible_q
from enplan.courses.models import Course, CourseState
from enplan.meetings.models import Meeting, Status
from enplan.network.models import NetworkMembership, NetworkRole
from enplan.plans.models import OPEN_ACTIVITY_STATUSES, Activity, activity_category_q

CASELOAD_FIELDS = (
    "id",
    "uuid",
    "given_name",
    "family_name",
    "municipality_code",
    "needs_interpreter",
)
CASELOAD_ORDERINGS = {
    "name": ("family_name", "given_name", "id"),
    "followup": (F("next_followup").asc(nulls_last=True), "id"),
    "overdue": ("-overdue", "family_name", "id"),
    "contact": (F("last_contact").asc(nulls_first=True), "id"),
}


def caseload(user, *, coordinating_only: bool = False, search: str = "", order: str = "name"):
    """The citizens in `user`'s networks with what a caseworker scans for: next follow-up,
    overdue activities and the last registered contact."""
    today = timezone.localdate()
    # Only what the viewer would see listed on the plan is counted: the consent policy's
    # filter, in the same query (own organisation, consent in force, or her own task).
    overdue = (
        Activity.objects.filter(
            citizen_id=OuterRef("pk"), status__in=OPEN_ACTIVITY_STATUSES, ends_on__lt=today
        )
        .filter(
            visible_q(
                user,
                activity_category_q(),
                responsible_professional="responsible__professional_id",
            )
        )
        .order_by()
        .values("citizen_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    last_contact = Contact.objects.filter(citizen_id=OuterRef("pk")).order_by("-at").values("at")
    mine = NetworkMembership.objects.active().filter(
        citizen_id=OuterRef("pk"), professional__user=user
    )
    my_role = mine.order_by(
        Case(When(role=NetworkRole.COORDINATOR, then=Value(0)), default=Value(1)), "id"
    ).values("role")
    course = (
        Course.objects.filter(
            citizen_id=OuterRef("pk"), state__in=[CourseState.ACTIVE, CourseState.PAUSED]
        )
        .order_by("-starts_on")
        .values("target_group")
    )
    # Only the columns a caseload row shows (and audits); the rest of each citizen stays put.
    qs = (
        Citizen.objects.visible_to(user)
        .only(*CASELOAD_FIELDS)
        .annotate(
            next_followup=F("plan__followup_at"),
            overdue=Coalesce(Subquery(overdue, output_field=IntegerField()), 0),
            last_contact=Subquery(last_contact[:1]),
            my_role=Subquery(my_role[:1]),
            target_group=Subquery(course[:1]),
            # Who wrote the course and the follow-up: what mask_caseload checks consent against.
            course_origin=Subquery(course.values("origin_id")[:1]),
            plan_origin=F("plan__origin_id"),
            plan_field_origins=F("plan__field_origins"),
        )
    )
    if coordinating_only:
        qs = qs.filter(Exists(mine.filter(role=NetworkRole.COORDINATOR)))
    if search:
        for word in search.split()[:4]:
            qs = qs.filter(Q(given_name__icontains=word) | Q(family_name__icontains=word))
    return qs.order_by(*CASELOAD_ORDERINGS.get(order, CASELOAD_ORDERINGS["name"]))


def attach_next_meetings(rows) -> None:
    """Set `next_meeting` (starts_at, kind, uuid) on each row of a caseload page: one query
    for the page's citizens on the (citizen, starts_at) index. Cheaper than three correlated
    subqueries in the caseload query, whose compilation alone cost more than this query."""
    rows = list(rows)
    for row in rows:
        row.next_meeting = None
    if not rows:
        return
    by_id = {row.pk: row for row in rows}
    upcoming = (
        Meeting.objects.filter(
            citizen_id__in=by_id, status=Status.PLANNED, starts_at__gte=timezone.now()
        )
        .order_by("starts_at")
        .values_list("citizen_id", "starts_at", "kind", "uuid")
    )
    for citizen_id, starts_at, kind, uuid in upcoming:
        row = by_id[citizen_id]
        if row.next_meeting is None:
            row.next_meeting = (starts_at, kind, uuid)


def mask_caseload(user, rows) -> None:
    """Audit that `user` saw these citizens in a list, and blank the columns the viewer's
    organisation may not see (course: employment; follow-up: plan). `rows` come from
    `caseload()`, which brings the origins along: one query (consents) per page."""
    from enplan.audit.services import record_list
    from enplan.consent.policy import for_viewer_many

    rows = list(rows)
    policies = for_viewer_many(user, rows)
    for row in rows:
        # Set on every row: a template lookup of a missing attribute is slow (dir()).
        row.target_group_withheld = row.followup_withheld = False
        policy = policies[row.pk]
        if row.target_group and not policy.can_see("employment", row.course_origin):
            row.target_group_withheld = True
        # As Plan.origin_of("followup_at"), from the plan columns the caseload query brings.
        followup_origin = (row.plan_field_origins or {}).get("followup_at", row.plan_origin)
        if row.next_followup and not policy.can_see("plan", followup_origin):
            row.next_followup = None
            row.followup_withheld = True
    record_list(user, rows)
