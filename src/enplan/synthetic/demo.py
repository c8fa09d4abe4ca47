"""Fictitious demo data that looks like the field (DOMAIN.md): five sectors, a dozen
professionals, and citizens whose situations follow the Gladsaxe 'En plan' movements table.

All people are invented. CPR numbers are generated so that they *fail* the old modulus-11
check, which makes a collision with a real person's number unlikely (they are still valid
under today's rules, which do not require modulus 11).
"""

import csv
import datetime
import random
from importlib import resources

from django.db import transaction
from django.utils import timezone

from enplan.accounts.models import Role, User
from enplan.caseload.services import register_citizen
from enplan.citizens.models import Citizen, Contact, ContactKind, Language
from enplan.consent.models import Category, Consent, GivenHow
from enplan.consent.services import give as give_consent
from enplan.core.cpr import century, passes_modulus11
from enplan.courses.models import (
    Course,
    CourseState,
    EmploymentOutcome,
    SubstanceOutcome,
    TargetGroup,
)
from enplan.insights.demo import seed as seed_insights
from enplan.meetings.demo import seed as seed_meetings
from enplan.network.models import Handover, NetworkMembership, NetworkRole
from enplan.network.services import add_member, hand_over
from enplan.organisations.models import Organisation, Profession, Professional, Sector
from enplan.plans import services as plans
from enplan.plans.models import ActivityStatus, GoalStatus, LegalBasis, TrackKind, TrackStatus

DEMO_PASSWORD = "enplan-demo"  # noqa: S105 - printed for the demo on purpose
MUNICIPALITY = "0159"  # Gladsaxe

ORGANISATIONS = [
    # key, name, sector, fictitious SOR, phone (12xx numbers are not issued), phone hours
    (
        "jc",
        "Jobcenter Gladsaxe",
        Sector.JOBCENTER,
        "900000000000101",
        "12 10 10 10",
        "Man–tor 9–12, fre 9–11",
    ),
    (
        "lpc",
        "Lokalpsykiatri Gladsaxe",
        Sector.PSYCHIATRY,
        "900000000000202",
        "12 20 20 20",
        "Hverdage 8.30–10",
    ),
    (
        "gp",
        "Lægerne i Bagsværd",
        Sector.GENERAL_PRACTICE,
        "900000000000303",
        "12 30 30 30",
        "Telefontid 8–9",
    ),
    (
        "trauma",
        "Traumeklinik Nordsjælland",
        Sector.TRAUMA_CLINIC,
        "900000000000404",
        "12 40 40 40",
        "Tirs og tors 10–12",
    ),
    (
        "rus",
        "Rusmiddelcenter Gladsaxe",
        Sector.SUBSTANCE_ABUSE,
        "900000000000505",
        "12 50 50 50",
        "Hverdage 9–15",
    ),
    (
        "soc",
        "Socialafdelingen Gladsaxe",
        Sector.SOCIAL_SERVICES,
        "900000000000606",
        "12 60 60 60",
        "Hverdage 10–12",
    ),
]

# username, name, org key, profession, role of the user
PEOPLE = [
    ("mette", "Mette Holm", "jc", Profession.CASEWORKER),
    ("jonas", "Jonas Krag", "jc", Profession.CASEWORKER),
    ("sara", "Sara Nielsen", "jc", Profession.COMPANY_CONSULTANT),
    ("hanne", "Hanne Friis", "jc", Profession.HEALTH_ADVISOR),
    ("ali", "Ali Hassan", "jc", Profession.MENTOR),
    ("lene", "Lene Dahl", "lpc", Profession.NURSE),
    ("peter", "Peter Bro", "lpc", Profession.PSYCHIATRIST),
    ("karin", "Karin Lund", "gp", Profession.GP),
    ("amina", "Amina Yousef", "trauma", Profession.SOCIAL_WORKER),
    ("henrik", "Henrik Juul", "rus", Profession.CASEMANAGER),
    ("bo", "Bo Sørensen", "soc", Profession.SUPPORT_CONTACT),
    (None, "Rasmus Vind", "jc", Profession.CASEWORKER),  # former caseworker, no log-in
]
OTHER_USERS = [
    ("leder", "Birgitte Leth", Role.MANAGER),
    ("politiker", "Ole Madsen", Role.POLITICIAN),
    ("admin", "Systemadministrator", Role.SYSADMIN),
    ("dpo", "Dorte Bach", Role.DPO),
]

GIVEN = [
    "Anne",
    "Mads",
    "Fatima",
    "Ahmad",
    "Louise",
    "Kasper",
    "Sofie",
    "Mikkel",
    "Hodan",
    "Yonas",
    "Camilla",
    "Rasmus",
    "Nadia",
    "Omar",
    "Line",
    "Tobias",
    "Ida",
    "Jamal",
    "Maja",
    "Emil",
    "Leila",
    "Christian",
    "Sanne",
    "Abdi",
    "Julie",
    "Simon",
    "Zahra",
    "Martin",
    "Helle",
    "Nikolaj",
]
FAMILY = [
    "Jensen",
    "Nielsen",
    "Hansen",
    "Pedersen",
    "Andersen",
    "Christensen",
    "Larsen",
    "Sørensen",
    "Rasmussen",
    "Jørgensen",
    "Madsen",
    "Kristensen",
    "Olsen",
    "Thomsen",
    "Poulsen",
    "Johansen",
    "Møller",
    "Mortensen",
    "Ali",
    "Mohamed",
    "Haile",
    "Karimi",
    "Yilmaz",
    "Hussein",
]
INTERPRETER = [
    (Language.AR, "Irakisk arabisk"),
    (Language.PRS, ""),
    (Language.SO, "Nordsomali"),
    (Language.TI, "Eritreisk tigrinya"),
    (Language.FA, ""),
]
PREFERENCES = [
    "Korte beskeder, ét emne ad gangen.",
    "Ring før kl. 12 – sover dårligt.",
    "Vil gerne have skriftlig opsummering efter møder.",
    "Foretrækker møder i Lokalpsykiatrien, hvor hun føler sig tryg.",
    "Bisidder (søster) deltager gerne.",
    "",
]


def _cpr(rng: random.Random, born: datetime.date) -> str:
    """A CPR number for `born` whose 7th digit gives the right century and which fails
    modulus 11 (see the module docstring)."""
    ddmmyy = born.strftime("%d%m%y")
    yy = born.year % 100
    digits = [d for d in range(10) if century(d, yy) == born.year - yy]
    while True:
        candidate = f"{ddmmyy}{rng.choice(digits)}{rng.randint(0, 999):03d}"
        if not passes_modulus11(candidate) and not Citizen.objects.filter(cpr=candidate).exists():
            return candidate


def _outcome(text: str, table: list[tuple[str, str]]) -> str:
    lowered = text.lower()
    return next((value for key, value in table if key in lowered), "")


# First match wins. A course started within the last month has no outcome yet, whatever the
# citizen wishes for (figure 7's last rows, 004:246–309).
EMPLOYMENT_KEYS = [
    ("opstartet inden for den seneste måned", EmploymentOutcome.NONE),
    ("deltid", EmploymentOutcome.JOB_PART),
    ("løntilskud", EmploymentOutcome.WAGE_SUBSIDY),
    ("småjob", EmploymentOutcome.SMALL_JOB),
    ("sygedagpenge", EmploymentOutcome.SICK_PAY),
    ("fleksjob", EmploymentOutcome.FLEXJOB_TRACK),
    ("praktik", EmploymentOutcome.WORK_PLACEMENT),
    ("stu", EmploymentOutcome.EDUCATION),
    ("uddannelse", EmploymentOutcome.EDUCATION),
    ("kursus", EmploymentOutcome.COURSE),
    ("ressourceforløb", EmploymentOutcome.RESOURCE_COURSE),
    ("afklaring", EmploymentOutcome.RESOURCE_COURSE),
    ("ordinært", EmploymentOutcome.JOB_FULL),
    ("fraflyttet", EmploymentOutcome.MOVED_AWAY),
    ("ingen kontakt", EmploymentOutcome.NO_CONTACT),
]
# First match wins: "ude af alkohol, fortsat hash" is reduced use (progress, as the report
# counts it: 29 of 45), and "misbrugende … opsøge behandling" is still using, not in treatment.
SUBSTANCE_KEYS = [
    ("ude af misbrug", SubstanceOutcome.OUT),
    ("ude af", SubstanceOutcome.REDUCED),
    ("reduceret", SubstanceOutcome.REDUCED),
    ("misbrugende", SubstanceOutcome.STILL_USING),
    ("fortsat", SubstanceOutcome.STILL_USING),
    ("behandling", SubstanceOutcome.IN_TREATMENT),
    ("indskrevet", SubstanceOutcome.IN_TREATMENT),
    ("fast medicin", SubstanceOutcome.IN_TREATMENT),
]

GOALS = [
    ("Jeg vil kunne sove en hel nat igen", 3),
    ("Komme ud af huset hver dag", 2),
    ("Finde en praktikplads med dyr", 5),
    ("Få styr på min økonomi", 2),
    ("Tage kørekort", 1),
    ("Arbejde 15 timer om ugen", 5),
    ("Holde mig fra hash", 3),
    ("Starte på uddannelse til sommer", 1),
    ("Forstå min medicin og bivirkninger", 4),
]
ACTIVITIES = [
    (
        "Virksomhedspraktik i børnehave, 10 timer/uge",
        TrackKind.EMPLOYMENT,
        LegalBasis.LAB,
        "LAB § 42",
        "Afklare arbejdsevne og opbygge rutiner",
        "jc",
    ),
    (
        "Samtaleforløb om angst (8 sessioner)",
        TrackKind.TREATMENT,
        LegalBasis.SUNDHEDSLOVEN,
        "",
        "Mindske angst i hverdagen",
        "lpc",
    ),
    (
        "Mentorstøtte 2 timer/uge",
        TrackKind.EMPLOYMENT,
        LegalBasis.LAB,
        "LAB § 31b",
        "Støtte til at møde stabilt",
        "jc",
    ),
    (
        "Medicinjustering og opfølgning",
        TrackKind.TREATMENT,
        LegalBasis.SUNDHEDSLOVEN,
        "",
        "Stabil søvn og mindre uro",
        "lpc",
    ),
    (
        "Ambulant dagbehandling",
        TrackKind.TREATMENT,
        LegalBasis.SERVICELOVEN,
        "SEL § 101",
        "Reducere forbrug",
        "rus",
    ),
    (
        "Fysisk træning med fysioterapeut",
        TrackKind.TREATMENT,
        LegalBasis.SUNDHEDSLOVEN,
        "",
        "Mindre smerter, mere energi",
        "gp",
    ),
    (
        "Jobsøgning med støtte fra IPS",
        TrackKind.EMPLOYMENT,
        LegalBasis.LAB,
        "",
        "Finde deltidsjob inden for lager",
        "jc",
    ),
]


@transaction.atomic
def seed(out=print, seed_value: int = 2021) -> dict:
    if Organisation.objects.filter(name="Jobcenter Gladsaxe").exists():
        out("Demo data already present – nothing to do.")
        return {}
    rng = random.Random(seed_value)
    now = timezone.now()
    today = timezone.localdate()

    orgs = {}
    for key, name, sector, sor, phone, hours in ORGANISATIONS:
        orgs[key] = Organisation.objects.create(
            name=name,
            sector=sector,
            sor_code=sor,
            phone=phone,
            phone_hours=hours,
            municipality_code=MUNICIPALITY,
            address=f"{name}, 2860 Søborg",
        )
    pros: dict[str, Professional] = {}
    for username, name, org_key, profession in PEOPLE:
        user = None
        if username:
            first, last = name.split(" ", 1)
            user = User.objects.create_user(
                username,
                password=DEMO_PASSWORD,
                first_name=first,
                last_name=last,
                role=Role.PROFESSIONAL,
            )
        pros[username or "former"] = Professional.objects.create(
            user=user,
            organisation=orgs[org_key],
            name=name,
            profession=profession,
            phone=f"12 {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)}",
        )
    for username, name, role in OTHER_USERS:
        first, _, last = name.partition(" ")
        User.objects.create_user(
            username, password=DEMO_PASSWORD, first_name=first, last_name=last, role=role
        )

    rows = list(
        csv.DictReader(
            resources.files("enplan.citizens")
            .joinpath("fixtures/en_plan_movements_2021.csv")
            .open(encoding="utf-8")
        )
    )
    citizens = [_citizen(rng, i, row, orgs, pros, now, today) for i, row in enumerate(rows)]
    _messages(citizens, pros, today)
    seed_meetings(citizens, pros)
    seed_insights(orgs, MUNICIPALITY)
    out(f"Seeded {len(orgs)} organisations, {len(pros)} professionals, {len(rows)} citizens.")
    return {"organisations": len(orgs), "professionals": len(pros), "citizens": len(rows)}


def _citizen(rng, i, row, orgs, pros, now, today) -> Citizen:
    young = row["age_group"] == "Under 30"
    age = rng.randint(19, 29) if young else rng.randint(30, 62)
    born = today.replace(year=today.year - age) - datetime.timedelta(days=rng.randint(1, 360))
    interpreter = INTERPRETER[i % len(INTERPRETER)] if i % 5 == 2 else None
    citizen = Citizen(
        cpr=_cpr(rng, born),
        birth_date=born,
        given_name=GIVEN[i % len(GIVEN)],
        family_name=FAMILY[(i * 7) % len(FAMILY)],
        municipality_code=MUNICIPALITY,
        phone=f"12 {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)}",
        preferred_language=interpreter[0] if interpreter else Language.DA,
        needs_interpreter=bool(interpreter),
        interpreter_language=interpreter[0] if interpreter else "",
        interpreter_dialect=interpreter[1] if interpreter else "",
        communication_preferences=PREFERENCES[i % len(PREFERENCES)],
    )
    citizen.save()
    employment, substance, other = row["employment"], row["substance"], row["other"]
    same_before = row["same_caseworker_before"] == "True"
    coordinator = pros["mette"] if i % 3 else pros["jonas"]
    actor = coordinator.user
    if not same_before:  # a former caseworker handed the citizen over
        add_member(citizen, None, role=NetworkRole.COORDINATOR, professional=pros["former"])
        hand_over(
            citizen,
            None,
            to_professional=coordinator,
            note="Overdraget ved omorganisering. Borger ønsker korte, konkrete aftaler.",
        )
    else:  # the system seeds the first member (no one is in the network yet)
        add_member(citizen, None, role=NetworkRole.COORDINATOR, professional=coordinator)
    add_member(citizen, actor, role=NetworkRole.GP, professional=pros["karin"])
    in_psychiatry = "psykiatri" in other.lower() or i % 2 == 0
    if in_psychiatry:
        add_member(citizen, actor, role=NetworkRole.PSYCHIATRY_CONTACT, professional=pros["lene"])
    if substance:
        add_member(citizen, actor, role=NetworkRole.CASEMANAGER, professional=pros["henrik"])
    if citizen.needs_interpreter:
        add_member(citizen, actor, role=NetworkRole.TREATMENT, professional=pros["amina"])
    if i % 4 == 1:
        add_member(citizen, actor, role=NetworkRole.MENTOR, professional=pros["ali"])
    if "§ 85" in other or i % 6 == 3:
        add_member(citizen, actor, role=NetworkRole.SUPPORT_CONTACT, professional=pros["bo"])

    status = row["status"]
    starts = today - datetime.timedelta(days=rng.randint(60, 400))
    target = (
        TargetGroup.UDDANNELSESHJAELP
        if young
        else TargetGroup.RESSOURCEFORLOEB
        if "ressourceforløb" in employment.lower()
        else TargetGroup.SYGEDAGPENGE
        if "sygedagpenge" in employment.lower()
        else TargetGroup.AKTIVITETSPARAT
    )
    Course.objects.create(
        citizen=citizen,
        target_group=target,
        starts_on=starts,
        state={"Afsluttet": CourseState.ENDED, "Barsel": CourseState.PAUSED}.get(
            status, CourseState.ACTIVE
        ),
        ends_on=today - datetime.timedelta(days=rng.randint(1, 50))
        if status == "Afsluttet"
        else None,
        employment_outcome=_outcome(employment, EMPLOYMENT_KEYS),
        substance_outcome=_outcome(substance, SUBSTANCE_KEYS),
        outcome_note=" / ".join(t for t in (employment, substance, other) if t),
        origin=coordinator.organisation,
    )
    _backdate_network(i, citizen, starts, now, handed_over=not same_before)

    plan = plans.get_or_create_plan(citizen, actor)
    plans.update_plan(
        plan,
        actor,
        plan.version,
        {
            "final_goal": employment or "Jeg vil have et liv, hvor jeg kan klare mig selv.",
            "area_future": "Vil gerne i gang inden for 3 måneder. Bekymret for at blive presset.",
            "area_everyday": other or "Bor alene. Har kontakt til sin søster.",
            "area_health": "Skånehensyn: max 3 timer ad gangen. Søvn og motion prioriteres.",
            "area_psychiatry": "Medicin og samtaleforløb; psykiatrien melder tilbage om parathed.",
            "area_jobcenter": "Praktik med mentorstøtte; info om rettigheder og pligter.",
        },
    )
    for title, area in rng.sample(GOALS, k=rng.randint(2, 4)):
        plans.add_goal(
            plan,
            actor,
            plan.version,
            {
                "title": title,
                "area": area,
                "target_date": today + datetime.timedelta(days=90),
                "status": rng.choice(
                    [GoalStatus.OPEN, GoalStatus.IN_PROGRESS, GoalStatus.ACHIEVED]
                ),
                "evaluation": rng.choice(
                    ["", "Sover bedre efter medicinjustering.", "Har været ude hver dag i 2 uger."]
                ),
            },
        )
    goals = list(plan.goals.all())
    members = {m.organisation_id: m for m in citizen.memberships.filter(ended_at__isnull=True)}
    for title, track, basis, ref, purpose, org_key in rng.sample(ACTIVITIES, k=rng.randint(2, 4)):
        start = today + datetime.timedelta(days=rng.randint(-40, 40))
        plans.add_activity(
            plan,
            actor,
            plan.version,
            {
                "title": title,
                "track": track,
                "legal_basis": basis,
                "legal_reference": ref,
                "purpose": purpose,
                "goal": rng.choice(goals),
                "starts_on": start,
                "ends_on": start + datetime.timedelta(days=rng.randint(14, 70)),
                "responsible": members.get(orgs[org_key].pk),
                "organisation": orgs[org_key],
                "status": ActivityStatus.ONGOING if start <= today else ActivityStatus.PLANNED,
                "citizen_view": rng.choice(["", "yes", "partly"]),
            },
        )
    if status != "Afsluttet":
        followup = now + datetime.timedelta(days=rng.randint(-3, 21), hours=rng.randint(0, 5))
        plans.update_plan(
            plan,
            actor,
            plan.version,
            {
                "followup_at": followup.replace(minute=0, second=0, microsecond=0),
                "followup_place": rng.choice(["Jobcentret", "Lokalpsykiatrien", "Online (video)"]),
                "followup_with": "Borger, koordinerende sagsbehandler, kontaktperson",
            },
        )
    treatment = plan.tracks.get(kind=TrackKind.TREATMENT)
    if i % 3 == 0 and in_psychiatry:  # only a member writes in the plan
        plans.update_track(
            treatment,
            pros["lene"].user,
            plan.version,
            {
                "status": TrackStatus.ACTIVE,
                "summary": "Medicin virker nu; samtaler hver 14. dag.",
                "ready_for_next_step": True,
                "ready_note": "Klar til praktik med få timer",
            },
        )
    elif i % 3 == 1 and in_psychiatry:
        plans.update_track(
            treatment,
            pros["lene"].user,
            plan.version,
            {
                "status": TrackStatus.WAITING,
                "summary": "Vent til medicinen virker (ca. 6 uger).",
                "ready_for_next_step": False,
                "ready_note": "",
            },
        )
    # Two of three citizens have consented to share with psychiatry and their GP; the rest
    # show psychiatry what exists but is not shared.
    if i % 3 != 2:
        # The citizen allows FROM one organisation TO another; the coordinator records it.
        for from_key, to_key, categories in (
            ("jc", "lpc", [Category.PLAN, Category.HEALTH, Category.EMPLOYMENT, Category.MESSAGES]),
            ("jc", "gp", [Category.PLAN, Category.HEALTH, Category.MESSAGES]),
            ("lpc", "jc", [Category.MESSAGES]),  # answers from health care back to the jobcenter
        ):
            give_consent(
                citizen,
                actor,
                Consent(
                    source_organisation=orgs[from_key],
                    recipient_organisation=orgs[to_key],
                    categories=categories,
                    purpose="Koordinering af den fælles plan",
                    # The day it is recorded, not the day seeding began: a seed that runs
                    # past midnight would otherwise back-date it (and be refused).
                    valid_from=timezone.localdate(),
                    valid_to=today + datetime.timedelta(days=335),
                    given_how=GivenHow.WRITTEN,
                ),
            )
    for _ in range(rng.randint(0, 3)):
        Contact.objects.create(
            citizen=citizen,
            at=now - datetime.timedelta(days=rng.randint(1, 60)),
            kind=rng.choice(ContactKind.values),
            summary="Opfølgning",
            registered_by=actor,
        )
    return citizen


def _backdate_network(i: int, citizen, starts: datetime.date, now, *, handed_over: bool) -> None:
    """The network formed when the citizen came to the jobcenter, often in an earlier course
    (sygedagpenge before a ressourceforløb), not the minute the demo was seeded: without this,
    every network is new and the managers' coordinator continuity (the same coordinating
    caseworker for 12 months or more) reads 0 % in the demo. Its own random stream, so the
    rest of the demo stays as it was."""
    rng = random.Random(f"network {i}")
    came = starts - datetime.timedelta(days=rng.choice((0, 0, 90, 200, 330, 480)))
    since = timezone.make_aware(datetime.datetime.combine(came, datetime.time(9)))
    memberships = NetworkMembership.objects.filter(citizen=citizen)
    if handed_over:
        # Somewhere between a month after she came and two weeks ago.
        span = max(0, (now - since).days - 44)
        at = since + datetime.timedelta(days=30 + rng.randint(0, span), hours=rng.randint(0, 6))
        handover = Handover.objects.get(citizen=citizen)
        Handover.objects.filter(pk=handover.pk).update(handed_over_at=at)
        memberships.filter(ended_at__isnull=False).update(started_at=since, ended_at=at)
        memberships.filter(
            ended_at__isnull=True,
            professional=handover.to_professional,
            role=NetworkRole.COORDINATOR,
        ).update(started_at=at)
        memberships = memberships.filter(ended_at__isnull=True).exclude(
            role=NetworkRole.COORDINATOR
        )
    memberships.update(started_at=since)


def _messages(citizens, pros, today) -> None:
    """A conversation between jobcenter and psychiatry, and the organisations and the test
    patient of MedCom's official examples, so that `receive_carecommunication` on those
    files attaches them (README)."""
    from enplan.consent.policy import shares_with
    from enplan.messaging import sending
    from enplan.messaging.partners import ensure_example_organisations

    jc, lpc = pros["mette"].organisation, pros["lene"].organisation
    first_citizen = next(
        c
        for c in citizens
        if c.memberships.filter(professional=pros["mette"], role=NetworkRole.COORDINATOR).exists()
        and c.memberships.filter(professional=pros["lene"]).exists()
        and shares_with(c, lpc, Category.MESSAGES, origin=jc)
        and shares_with(c, jc, Category.MESSAGES, origin=lpc)
    )
    message = sending.compose(
        pros["mette"].user,
        first_citizen,
        partner=pros["lene"].organisation,
        category="psychiatry-social-disability",
        topic="Netværksmøde",
        text="Hej Lene. Kan du deltage i netværksmødet den 2. december kl. 10?",
    )
    partner_thread = message.thread.__class__.objects.get(
        organisation=pros["lene"].organisation, communication_id=message.thread.communication_id
    )
    sending.reply(
        pros["lene"].user, partner_thread, text="Ja, jeg kommer. Jeg tager medicinplanen med."
    )
    examples = ensure_example_organisations()
    nurse = Professional.objects.create(
        user=User.objects.create_user(
            "birgit", password=DEMO_PASSWORD, first_name="Birgit", last_name="Berggren"
        ),
        organisation=examples["330461000016004"],
        name="Birgit Berggren",
        profession=Profession.NURSE,
        phone="12 70 70 70",
    )
    bruno = Citizen(
        cpr="2509479989",  # MedCom's test patient in the official examples
        given_name="Bruno",
        family_name="Elmer",
        birth_date=datetime.date(1947, 9, 25),
        municipality_code="0580",
    )
    bruno = register_citizen(pros["mette"].user, bruno, NetworkRole.COORDINATOR)
    add_member(bruno, pros["mette"].user, role=NetworkRole.OTHER, professional=nurse)
    give_consent(
        bruno,
        pros["mette"].user,
        Consent(
            source_organisation=pros["mette"].organisation,
            recipient_organisation=nurse.organisation,
            categories=[Category.MESSAGES, Category.HEALTH],
            purpose="Korrespondance om sundhedspleje",
            valid_from=timezone.localdate(),
            given_how=GivenHow.WRITTEN,
        ),
    )
