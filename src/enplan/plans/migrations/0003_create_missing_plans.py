"""Every citizen has a plan row from registration on (a GET never writes, so the plan page no
longer creates it). Citizens registered before that get their empty plan here, with its two
tracks and version 1 ("Plan created"), attributed to the coordinator's organisation.

Reverse: nothing to undo – the plans created are empty, and a plan row is what the code
expects from now on (reverse is a no-op)."""

from django.db import migrations

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
TRACKS = (("employment", "employment"), ("treatment", "health"))  # kind, consent category
BATCH = 2000


def create_missing_plans(apps, schema_editor):
    Citizen = apps.get_model("citizens", "Citizen")
    Plan = apps.get_model("plans", "Plan")
    Track = apps.get_model("plans", "Track")
    PlanVersion = apps.get_model("plans", "PlanVersion")
    Membership = apps.get_model("network", "NetworkMembership")
    while True:
        citizens = list(
            Citizen.objects.filter(plan__isnull=True)
            .order_by("pk")
            .values_list("pk", "municipality_code")[:BATCH]
        )
        if not citizens:
            return
        ids = [pk for pk, _code in citizens]
        origin = dict(
            Membership.objects.filter(
                citizen_id__in=ids, role="coordinator", ended_at__isnull=True
            ).values_list("citizen_id", "organisation_id")
        )
        plans = Plan.objects.bulk_create(
            [
                Plan(citizen_id=pk, municipality_code=code, version=1, origin_id=origin.get(pk))
                for pk, code in citizens
            ]
        )
        plans = list(Plan.objects.filter(citizen_id__in=ids))  # ids on every database
        tracks = [
            Track(
                plan=plan,
                citizen_id=plan.citizen_id,
                municipality_code=plan.municipality_code,
                kind=kind,
                origin_id=plan.origin_id,
            )
            for plan in plans
            for kind, _category in TRACKS
        ]
        Track.objects.bulk_create(tracks)
        by_plan: dict[int, list] = {}
        for t in Track.objects.filter(plan__in=plans).order_by("kind"):
            by_plan.setdefault(t.plan_id, []).append(
                {
                    "uuid": str(t.uuid),
                    "_category": dict(TRACKS)[t.kind],
                    "_origin": t.origin_id,
                    "status": t.status,
                    "summary": "",
                    "ready_for_next_step": False,
                    "ready_note": "",
                    "kind": t.kind,
                }
            )
        PlanVersion.objects.bulk_create(
            [
                PlanVersion(
                    plan=plan,
                    citizen_id=plan.citizen_id,
                    municipality_code=plan.municipality_code,
                    number=1,
                    change="created",
                    subject="",
                    subject_category="plan",
                    subject_origin_id=plan.origin_id,
                    snapshot={
                        "plan": {
                            name: None if name == "followup_at" else "" for name in PLAN_FIELDS
                        },
                        "plan_origins": {name: plan.origin_id for name in PLAN_FIELDS},
                        "goals": [],
                        "activities": [],
                        "tracks": by_plan.get(plan.pk, []),
                    },
                )
                for plan in plans
            ]
        )


class Migration(migrations.Migration):
    dependencies = [
        ("plans", "0002_activity_origin_goal_origin_plan_field_origins_and_more"),
        ("citizens", "0003_citizenidentifier"),
        ("network", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_missing_plans, migrations.RunPython.noop)]
