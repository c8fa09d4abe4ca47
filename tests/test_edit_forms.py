"""Every edit form of the product opens with the stored values (issue 11.1).

The forms are found from the URL configuration, not from a list: every page the URL patterns
give (filled in with the objects of a small, complete case) is fetched as a plain page and as
htmx asks for it, and every POST form on it is submitted exactly as rendered – the values a
person who changes nothing would send. A form that creates something or performs an action
is named in NOT_EDIT_FORMS with the reason, or says so by how its URL name ends (`…new`,
`…_delete`, NOT_EDIT_SUFFIXES); every other form is an edit form and must store exactly what
is already stored. A new edit form is therefore covered without anyone
remembering to add it here.
"""

import datetime
import itertools
from urllib.parse import urlsplit

import lxml.html
import pytest
from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.urls.exceptions import NoReverseMatch, Resolver404
from django.utils import timezone

from enplan.citizens.models import Contact
from enplan.consent.models import Category, Consent
from enplan.consent.services import give
from enplan.courses.models import Course
from enplan.network.models import NetworkMembership, NetworkRole
from enplan.network.services import add_member, end_membership
from enplan.organisations.models import Profession, Sector
from enplan.plans import services as plan_services
from enplan.plans.models import TrackKind

from .conftest import make_org, make_professional

# Forms that do not edit something stored, by the URL name they post to, and why.
NOT_EDIT_FORMS = {
    "accounts:logout": "logs out",
    "set_language": "switches the language",
    "accounts:two_factor_enrol": "sets up a new authenticator",
    "accounts:two_factor_remove": "removes the authenticator (needs a fresh code)",
    "accounts:two_factor_verify": "checks a code",
    "accounts:login": "logs in",
    "citizens:new": "registers a new citizen",
    "cooperation:directory_verify": "confirms the organisation's directory entry as checked today",
    "citizens:contact_new": "registers a new contact",
    "citizens:member_add": "adds someone to the network",
    "citizens:member_end": "removes someone from the network",
    "citizens:handover": "hands the citizen over to another caseworker",
    "citizens:course_new": "creates a course",
    "citizens:consents": "records a new consent (a consent is never edited, only withdrawn)",
    "citizens:consent_withdraw": "withdraws a consent",
    "citizens:goal_new": "adds a sub-goal",
    "citizens:goal_delete": "removes a sub-goal",
    "citizens:activity_new": "adds an activity",
    "citizens:activity_delete": "removes an activity",
    "citizens:thread_new": "writes a new message",
    "citizens:thread_reply": "replies to a thread",
    "citizens:thread_forward": "forwards a thread",
    "messaging:open": "attaches a triaged message to a citizen",
}

# By convention a URL name that ends so creates something or performs an action (the name
# says it): such a form is not an edit form either.
NOT_EDIT_SUFFIXES = ("new", "_add", "_delete", "_end", "_withdraw", "_reply", "_forward")


def _not_an_edit_form(url_name: str) -> bool:
    return url_name in NOT_EDIT_FORMS or url_name.endswith(NOT_EDIT_SUFFIXES)


# The edit forms the product has today: the crawl must find at least these (so that a broken
# crawl cannot pass by finding nothing).
KNOWN_EDIT_FORMS = {
    "citizens:edit",
    "citizens:course_edit",
    "citizens:plan_areas",
    "citizens:plan_followup",
    "citizens:goal_edit",
    "citizens:activity_edit",
    "citizens:track_edit",
    "messaging:notifications",
}
PLAN_FORMS = {name for name in KNOWN_EDIT_FORMS if "plan_" in name or name.endswith("_edit")}
PLAN_FORMS -= {"citizens:edit", "citizens:course_edit"}

# Not pages of the product's forms: the admin has Django's own, the API and FHIR speak JSON.
SKIPPED_APPS = ("admin", "ninja")


def _patterns(resolver: URLResolver, prefix: str = "", converters: tuple = ()):
    """(URL name with namespace, names of its URL arguments) for every named pattern."""
    for p in resolver.url_patterns:
        names = converters + tuple(p.pattern.converters)
        if isinstance(p, URLResolver):
            ns = f"{prefix}{p.namespace}:" if p.namespace else prefix
            if p.app_name in SKIPPED_APPS:
                continue
            yield from _patterns(p, ns, names)
        elif isinstance(p, URLPattern) and p.name:
            yield f"{prefix}{p.name}", names


def _case(caseworker, psych, citizen):
    """A citizen with every kind of stored thing filled in, including an activity whose
    responsible person and organisation have left the network since."""
    psychiatry = psych.organisation
    trauma = make_org("Traumeklinik Test", Sector.TRAUMA_CLINIC, "900000000000003")
    therapist = make_professional("tove", trauma, Profession.PSYCHOLOGIST)
    gone = add_member(citizen, caseworker.user, role=NetworkRole.OTHER, professional=therapist)
    citizen.phone = "20 30 40 50"
    citizen.needs_interpreter = True
    citizen.interpreter_language = "ar"
    citizen.interpreter_dialect = "Levantinsk"
    citizen.communication_preferences = "Korte beskeder,\nét emne ad gangen"
    citizen.save()
    plan = plan_services.get_or_create_plan(citizen, caseworker.user)
    at = timezone.make_aware(datetime.datetime(2027, 1, 12, 10, 30))
    plan_services.update_plan(
        plan,
        caseworker.user,
        plan.version,
        {
            "final_goal": "Arbejde med dyr",
            "area_future": "Starte i praktik\r\nefter sommer",
            "area_health": "Sover dårligt",
            "mentor_role": "Følger med i praktikken",
            "followup_at": at,
            "followup_place": "Jobcentret",
            "followup_with": "Mette og Lene",
        },
    )
    goal = plan_services.add_goal(
        plan,
        caseworker.user,
        plan.version,
        {"title": "Sove bedre", "area": 3, "status": "in_progress", "evaluation": "Lidt bedre"},
    )
    plan_services.add_goal(plan, caseworker.user, plan.version, {"title": "Fritidsjob"})
    lene = citizen.memberships.get(professional=psych)
    today = timezone.localdate()
    base = {
        "track": TrackKind.EMPLOYMENT,
        "purpose": "Afklare arbejdsevne",
        "legal_basis": "lab",
        "legal_reference": "LAB § 42",
        "status": "ongoing",
        "citizen_view": "yes",
        "evaluation": "Går godt",
    }
    plan_services.add_activity(
        plan,
        caseworker.user,
        plan.version,
        {
            **base,
            "title": "Samtaleforløb",
            "goal": goal,
            "starts_on": today,
            "ends_on": today + datetime.timedelta(days=40),
            "responsible": lene,
            "organisation": psychiatry,
        },
    )
    plan_services.add_activity(
        plan,
        caseworker.user,
        plan.version,
        {
            **base,
            "title": "Virksomhedspraktik",
            "starts_on": today - datetime.timedelta(days=20),
            "ends_on": None,
            "responsible": None,
            "organisation": caseworker.organisation,
        },
    )
    plan_services.add_activity(
        plan,
        caseworker.user,
        plan.version,
        {
            **base,
            "title": "Traumebehandling",
            "track": TrackKind.TREATMENT,
            "goal": goal,
            "starts_on": today - datetime.timedelta(days=60),
            "ends_on": today - datetime.timedelta(days=5),
            "responsible": gone,
            "organisation": trauma,
            "legal_basis": "sundhedsloven",
            "legal_reference": "",
        },
    )
    end_membership(gone, caseworker.user)  # the therapist and her clinic leave the network
    for track in plan.tracks.all():
        plan_services.update_track(
            track,
            caseworker.user,
            plan.version,
            {
                "status": "waiting",
                "summary": f"{track.kind}: venter",
                "ready_for_next_step": track.kind == TrackKind.TREATMENT,
                "ready_note": "Klar til praktik" if track.kind == TrackKind.TREATMENT else "",
            },
        )
    Course.objects.create(
        citizen=citizen,
        municipality_code=citizen.municipality_code,
        target_group=Course._meta.get_field("target_group").choices[0][0],
        starts_on=datetime.date(2026, 3, 1),
        outcome_note="Godt i gang",
        origin=caseworker.organisation,
    )
    Contact.objects.create(
        citizen=citizen,
        municipality_code=citizen.municipality_code,
        at=timezone.now(),
        kind="phone",
        summary="Ringede",
        registered_by=caseworker.user,
        origin=caseworker.organisation,
    )
    give(
        citizen,
        caseworker.user,
        Consent(
            source_organisation=caseworker.organisation,
            recipient_organisation=psychiatry,
            categories=[Category.PLAN, Category.HEALTH, Category.MESSAGES],
            purpose="Samarbejde om planen",
            valid_from=timezone.localdate(),
            given_how="written",
        ),
    )


def _state() -> dict:
    """Every stored row of enplan's own models, but the log and the history (which record
    that something was looked at) and the automatic time stamps."""
    state = {}
    for model in apps.get_models():
        meta = model._meta
        if not model.__module__.startswith("enplan.") or meta.app_label == "audit":
            continue
        if meta.label in ("plans.PlanVersion",):
            continue
        names = [
            f.attname
            for f in meta.concrete_fields
            if not getattr(f, "auto_now", False) and f.name not in ("last_login",)
        ]
        rows = [tuple(row) for row in model._base_manager.values_list(*names).order_by("pk")]
        if meta.label == "messaging.NotificationSetting":
            # No row means "on" (the form's initial value): a stored "on" is the same setting.
            enabled = names.index("enabled")
            rows = [r for r in rows if not r[enabled]]
        state[meta.label] = [tuple(map(_same_text, row)) for row in rows]
    return state


def _same_text(value):
    """A text is the same text whichever way its line breaks are written (a browser sends
    CR LF, the API and the demo data LF)."""
    return value.replace("\r\n", "\n") if isinstance(value, str) else value


def _candidates(citizen, argument: str) -> list:
    """The public ids a URL argument may take in this case: those of the model it names
    (`course_uuid` – Course, `membership_uuid` – NetworkMembership), or every id in the case
    when it names none (`obj_uuid`)."""
    stem = argument.removesuffix("_uuid").replace("_", "")
    enplan_models = [
        m
        for m in apps.get_models()
        if m.__module__.startswith("enplan.")
        and "uuid" in {f.name for f in m._meta.concrete_fields}
    ]
    named = [m for m in enplan_models if m._meta.model_name.endswith(stem)]
    ids = []
    for model in named or enplan_models:
        ids.extend(model._base_manager.values_list("uuid", flat=True))
    return ids


def _urls(citizen):
    """Every URL the patterns give for this case, with the pattern's name."""
    for name, args in _patterns(get_resolver()):
        others = [a for a in args if a != "citizen_uuid"]
        for values in itertools.product(*(_candidates(citizen, a) for a in others)):
            kwargs = dict(zip(others, values, strict=True))
            if "citizen_uuid" in args:
                kwargs["citizen_uuid"] = citizen.uuid
            try:
                yield name, reverse(name, kwargs=kwargs)
            except NoReverseMatch:
                continue


def _url_name(url: str) -> str:
    try:
        match = resolve(urlsplit(url).path)
    except Resolver404:
        return ""
    return match.view_name


def _submission(form) -> dict:
    """What a browser sends when the form is submitted with its first submit button."""
    data: dict[str, list[str]] = {}
    for key, value in form.form_values():
        # HTML's form submission sends every line break as CR LF.
        data.setdefault(key, []).append(value.replace("\r\n", "\n").replace("\n", "\r\n"))
    button = form.xpath(".//button[not(@type) or @type='submit'] | .//input[@type='submit']")
    if button and button[0].get("name"):
        data.setdefault(button[0].get("name"), []).append(button[0].get("value", ""))
    return data


def _forms(html: str, page_url: str):
    if not html.strip():
        return []
    doc = lxml.html.fromstring(html)
    for form in doc.xpath("//form"):
        method = (form.get("method") or "get").lower()
        action = form.get("hx-post") or form.get("action") or page_url
        if method == "post" or form.get("hx-post"):
            yield action, form


@pytest.mark.parametrize("who", ["coordinator", "psychiatry"])
def test_every_edit_form_saves_unchanged_without_changing_anything(
    client, caseworker, psych, citizen, who
):
    """As the coordinating caseworker, who wrote everything, and as psychiatry, which sees
    the plan and health under the consent: an unchanged save by another organisation must
    not make it the author of what it saved."""
    _case(caseworker, psych, citizen)
    client.force_login(caseworker.user if who == "coordinator" else psych.user)
    found: dict[str, int] = {}
    found_htmx: set[str] = set()
    failures = []
    seen_pages = 0
    for _name, url in _urls(citizen):
        for htmx in (False, True):
            headers = {"HX-Request": "true"} if htmx else {}
            page = client.get(url, headers=headers)
            if page.status_code != 200 or "html" not in page.get("Content-Type", ""):
                continue
            seen_pages += 1
            for action, form in _forms(page.content.decode(), url):
                target = _url_name(action)
                if _not_an_edit_form(target):
                    continue
                if target != _url_name(url):
                    failures.append(
                        f"{url}: a form posts to {action} ({target or '?'}); name "
                        "it in NOT_EDIT_FORMS or make it an edit form"
                    )
                    continue
                before = _state()
                response = client.post(action, _submission(form), headers=headers)
                label = f"{url}{' (htmx)' if htmx else ''}"
                if response.status_code not in (200, 302, 303):
                    errors = ""
                    if response.context and "form" in response.context:
                        errors = dict(response.context["form"].errors)
                    failures.append(
                        f"{label}: saved unchanged -> {response.status_code} {errors} (a form "
                        "that creates something or acts belongs in NOT_EDIT_FORMS)"
                    )
                    continue
                after = _state()
                diff = {k: (before[k], after[k]) for k in before if before[k] != after[k]}
                if diff:
                    failures.append(f"{label}: saved unchanged, but stored data changed: {diff}")
                found[target] = found.get(target, 0) + 1
                if htmx:
                    found_htmx.add(target)
    assert not failures, "\n".join(failures)
    assert seen_pages > 20
    if who == "psychiatry":  # what the consent shares: the plan, health, its own settings
        assert {"citizens:plan_areas", "citizens:activity_edit", "citizens:goal_edit"} <= found_htmx
        assert {"citizens:edit", "messaging:notifications"} <= set(found)
        return
    assert KNOWN_EDIT_FORMS <= set(found), KNOWN_EDIT_FORMS - set(found)
    assert PLAN_FORMS <= found_htmx, PLAN_FORMS - found_htmx
    # Every activity (three) and both tracks, as plain page and with htmx.
    assert found["citizens:activity_edit"] == 6
    assert found["citizens:track_edit"] == 4


def test_activity_form_opens_with_its_goal_person_and_organisation(
    client, caseworker, psych, citizen
):
    _case(caseworker, psych, citizen)
    client.force_login(caseworker.user)
    activity = citizen.plan.activities.get(title="Samtaleforløb")
    url = reverse("citizens:activity_edit", args=[citizen.uuid, activity.uuid])
    doc = lxml.html.fromstring(client.get(url).content.decode())
    (form,) = (f for f in doc.forms if f.get("action") == url)
    assert form.fields["goal"] == str(activity.goal.uuid)
    assert form.fields["responsible"] == str(activity.responsible.uuid)
    assert form.fields["organisation"] == str(activity.organisation.uuid)
    # Choosing the person again keeps the sub-goal.
    data = _submission(form)
    data["title"] = ["Samtaleforløb hos Lene"]
    assert client.post(url, data).status_code == 302
    activity.refresh_from_db()
    assert activity.goal.title == "Sove bedre" and activity.responsible.professional == psych
    assert activity.title == "Samtaleforløb hos Lene"


def test_who_has_left_the_network_stays_selectable_only_where_stored(
    client, caseworker, psych, citizen
):
    _case(caseworker, psych, citizen)
    client.force_login(caseworker.user)
    old = citizen.plan.activities.get(title="Traumebehandling")
    html = client.get(
        reverse("citizens:activity_edit", args=[citizen.uuid, old.uuid])
    ).content.decode()
    assert "Tove Test" in html and "no longer in the network" in html.replace(
        "ikke længere i netværket", "no longer in the network"
    )
    new = client.get(reverse("citizens:activity_new", args=[citizen.uuid])).content.decode()
    assert "Tove Test" not in new and "Traumeklinik Test" not in new
    ended = NetworkMembership.objects.get(professional__name="Tove Test")
    data = {
        "title": "Ny",
        "starts_on": "2027-01-01",
        "responsible": str(ended.uuid),
        "purpose": "x",
        "legal_basis": "lab",
        "status": "planned",
        "version": citizen.plan.version,
    }
    response = client.post(reverse("citizens:activity_new", args=[citizen.uuid]), data)
    assert response.status_code == 422 and "responsible" in response.context["form"].errors


def test_an_unchanged_save_keeps_the_origin_and_makes_no_version(
    client, caseworker, psych, citizen
):
    """Saving what is stored is not a change: no new version, nobody becomes its author."""
    _case(caseworker, psych, citizen)
    plan = citizen.plan
    goal = plan.goals.get(title="Sove bedre")
    version = plan.version
    plan_services.update_goal(
        goal,
        psych.user,
        version,
        {f: getattr(goal, f) for f in ("title", "area", "target_date", "status", "evaluation")},
    )
    goal.refresh_from_db()
    plan.refresh_from_db()
    assert plan.version == version and goal.origin == caseworker.organisation
