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
from enplan.courses.models import Course, CourseState
from enplan.network.models import NetworkMembership, NetworkRole
from enplan.plans.models import OPEN_ACTIVITY_STATUSES, Activity

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
    overdue = (
        Activity.objects.filter(
            citizen_id=OuterRef("pk"), status__in=OPEN_ACTIVITY_STATUSES, ends_on__lt=today
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
