"""Model → API dictionaries. Kept apart from the endpoints so the FHIR and REST outputs read
the same prefetched objects."""

from enplan.plans.views import plan_context


def citizen_summary(c) -> dict:
    return {
        "id": c.uuid,
        "name": c.full_name,
        "my_role": c.my_role,
        "target_group": None if getattr(c, "target_group_withheld", False) else c.target_group,
        "next_followup": c.next_followup,
        "overdue_activities": c.overdue,
        "last_contact": c.last_contact,
    }


def citizen_out(c) -> dict:
    return {
        "id": c.uuid,
        **{
            f: getattr(c, f)
            for f in (
                "cpr",
                "birth_date",
                "given_name",
                "family_name",
                "municipality_code",
                "phone",
                "preferred_language",
                "needs_interpreter",
                "interpreter_language",
                "interpreter_dialect",
                "communication_preferences",
            )
        },
    }


def member_out(m) -> dict:
    return {
        "id": m.uuid,
        "role": m.role,
        "role_label": str(m.get_role_display()),
        "professional": m.professional.name if m.professional else None,
        "professional_id": m.professional.uuid if m.professional else None,
        "organisation": m.organisation.name,
        "organisation_id": m.organisation.uuid,
        "sector": m.organisation.sector,
        "sor_code": m.organisation.sor_code,
        "phone": m.phone,
        "phone_hours": m.phone_hours,
        "since": m.started_at,
    }


def _not_shared(kind: str, id_, withheld) -> dict:
    """What the policy lets out of a withheld item: that it exists (and, for an activity the
    caller is responsible for, its title and dates as her own task)."""
    return {
        "kind": kind,
        "id": str(id_),
        "category": withheld.category,
        "origin": withheld.origin,
        "own_task": withheld.own_task,
    }


def plan_out(plan, policy) -> dict:
    """The plan as the viewer may see it: what is not shared is left out and listed in
    `not_shared` (that it exists, its category and origin – never its content)."""
    ctx = plan_context(plan, policy)
    fields = ctx["fields"]
    not_shared = [
        _not_shared("plan_field", name, f["withheld"])
        for name, f in fields.items()
        if f["withheld"]
    ]
    hidden = {name for name, f in fields.items() if f["withheld"]}
    if "followup_at" in hidden:
        hidden |= {"followup_place", "followup_with"}
    for kind, items in (
        ("goal", ctx["goals"]),
        ("activity", ctx["activities"]),
        ("track", ctx["tracks"]),
    ):
        not_shared += [_not_shared(kind, i.uuid, i.withheld) for i in items if i.withheld]
    return {
        "id": plan.uuid,
        "citizen": plan.citizen.uuid,
        "version": plan.version,
        "not_shared": not_shared,
        **{
            f: None if f in hidden else getattr(plan, f)
            for f in (
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
        },
        "updated_at": plan.updated_at,
        "goals": [
            {
                "id": g.uuid,
                "title": g.title,
                "area": g.area,
                "target_date": g.target_date,
                "status": g.status,
                "evaluation": g.evaluation,
            }
            for g in ctx["goals"]
            if not g.withheld
        ],
        "activities": [activity_out(a) for a in ctx["activities"] if not a.withheld],
        "tracks": [
            {
                "id": t.uuid,
                "kind": t.kind,
                "status": t.status,
                "summary": t.summary,
                "ready_for_next_step": t.ready_for_next_step,
                "ready_note": t.ready_note,
                "ready_signalled_at": t.ready_signalled_at,
            }
            for t in ctx["tracks"]
            if not t.withheld
        ],
    }


def activity_out(a) -> dict:
    responsible = a.responsible
    return {
        "id": a.uuid,
        "title": a.title,
        "goal": a.goal.uuid if a.goal else None,
        "track": a.track,
        "starts_on": a.starts_on,
        "ends_on": a.ends_on,
        "responsible": responsible.uuid if responsible else None,
        "responsible_name": (
            responsible.professional.name if responsible and responsible.professional else None
        ),
        "organisation": a.organisation.uuid if a.organisation else None,
        "organisation_name": a.organisation.name if a.organisation else None,
        "purpose": a.purpose,
        "legal_basis": a.legal_basis,
        "legal_reference": a.legal_reference,
        "status": a.status,
        "citizen_view": a.citizen_view,
        "evaluation": a.evaluation,
    }
