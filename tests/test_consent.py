import datetime

import pytest
from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.consent import Consent as FhirConsent

from enplan.consent.models import Category, Consent
from enplan.consent.policy import for_viewer
from enplan.consent.services import give, withdraw
from enplan.organisations.models import Sector
from enplan.plans import services

SECRET_GOAL = "Jobcentrets hemmelige delmål"


def _consent(
    citizen, actor, org=None, sector="", categories=("plan",), source=None, **extra
) -> Consent:
    """A consent recorded by `actor`, from `source` (default: the actor's organisation)."""
    source = source or actor.professional.organisation
    return give(
        citizen,
        actor,
        Consent(
            source_organisation=source,
            recipient_organisation=org,
            recipient_sector=sector,
            categories=list(categories),
            purpose="Koordinering af plan",
            valid_from=extra.pop("valid_from", timezone.localdate()),
            given_how="written",
            **extra,
        ),
    )


@pytest.fixture
def jobcenter_goal(plan, caseworker):
    services.update_plan(plan, caseworker.user, plan.version, {"final_goal": "Arbejde med dyr"})
    return services.add_goal(
        plan, caseworker.user, plan.version, {"title": SECRET_GOAL, "status": "open"}
    )


def test_own_organisation_always_sees_its_information(jobcenter_goal, citizen, caseworker):
    assert for_viewer(caseworker.user, citizen).can_see(Category.PLAN, jobcenter_goal.origin_id)


def test_other_organisation_needs_consent(jobcenter_goal, citizen, caseworker, psych):
    policy = for_viewer(psych.user, citizen)
    assert not policy.can_see(Category.PLAN, jobcenter_goal.origin_id)
    withheld = policy.withheld(Category.PLAN, jobcenter_goal.origin_id)
    assert withheld.origin == "Jobcenter Test"
    _consent(citizen, caseworker.user, org=psych.organisation)
    assert for_viewer(psych.user, citizen).can_see(Category.PLAN, jobcenter_goal.origin_id)
    assert not for_viewer(psych.user, citizen).can_see(Category.HEALTH, caseworker.organisation_id)


def test_sector_consent_period_and_withdrawal(jobcenter_goal, citizen, caseworker, psych):
    origin = jobcenter_goal.origin_id
    future = _consent(
        citizen,
        caseworker.user,
        sector=Sector.PSYCHIATRY,
        valid_from=timezone.localdate() + datetime.timedelta(days=3),
    )
    assert not for_viewer(psych.user, citizen).can_see("plan", origin)
    withdraw(future, caseworker.user)
    # Recorded a month ago (the service only records from today on), now expired.
    expired = Consent.objects.create(
        citizen=citizen,
        source_organisation=caseworker.organisation,
        recipient_sector=Sector.PSYCHIATRY,
        categories=["plan"],
        purpose="Koordinering",
        valid_from=timezone.localdate() - datetime.timedelta(days=30),
        valid_to=timezone.localdate() - datetime.timedelta(days=1),
        given_how="written",
    )
    assert expired.state == "expired" and not for_viewer(psych.user, citizen).can_see(
        "plan", origin
    )
    active = _consent(citizen, caseworker.user, sector=Sector.PSYCHIATRY)
    assert for_viewer(psych.user, citizen).can_see("plan", origin)
    withdraw(active, caseworker.user, "Borger ringede")
    assert not for_viewer(psych.user, citizen).can_see("plan", origin)


def test_plan_page_says_not_shared_without_leaking(jobcenter_goal, citizen, psych, client_for):
    body = client_for(psych).get(f"/citizens/{citizen.uuid}/plan/").content.decode()
    assert SECRET_GOAL not in body and "Arbejde med dyr" not in body
    assert "mangler samtykke" in body
    history = client_for(psych).get(f"/citizens/{citizen.uuid}/plan/history/").content.decode()
    assert SECRET_GOAL not in history and "mangler samtykke" in history
    compare = client_for(psych).get(f"/citizens/{citizen.uuid}/plan/compare/?a=1&b=3")
    assert SECRET_GOAL not in compare.content.decode()
    assert "Arbejde med dyr" not in compare.content.decode()


def test_plan_page_shows_content_under_consent(
    jobcenter_goal, citizen, caseworker, psych, client_for
):
    _consent(citizen, caseworker.user, org=psych.organisation)
    body = client_for(psych).get(f"/citizens/{citizen.uuid}/plan/").content.decode()
    assert SECRET_GOAL in body and "Arbejde med dyr" in body


def test_withheld_item_cannot_be_opened_or_edited(jobcenter_goal, citizen, psych, client_for):
    client = client_for(psych)
    url = f"/citizens/{citizen.uuid}/plan/goals/{jobcenter_goal.uuid}/"
    response = client.get(url)
    assert response.status_code == 403 and SECRET_GOAL not in response.content.decode()
    response = client.post(url, {"title": "x", "status": "open", "version": 3})
    assert response.status_code == 403
    jobcenter_goal.refresh_from_db()
    assert jobcenter_goal.title == SECRET_GOAL


def test_withheld_plan_fields_are_left_out_of_the_form(jobcenter_goal, citizen, psych, client_for):
    client = client_for(psych)
    form_page = client.get(f"/citizens/{citizen.uuid}/plan/areas/").content.decode()
    assert "Arbejde med dyr" not in form_page and 'name="final_goal"' not in form_page
    response = client.post(
        f"/citizens/{citizen.uuid}/plan/areas/",
        {"version": 3, "final_goal": "overskrevet", "area_psychiatry": "Medicin og samtaler"},
    )
    assert response.status_code == 302
    jobcenter_goal.plan.refresh_from_db()
    assert jobcenter_goal.plan.final_goal == "Arbejde med dyr"
    assert jobcenter_goal.plan.area_psychiatry == "Medicin og samtaler"


def test_api_and_fhir_follow_consent(jobcenter_goal, citizen, caseworker, psych, client_for):
    client = client_for(psych)
    plan = client.get(f"/api/v1/citizens/{citizen.uuid}/plan").json()
    assert plan["final_goal"] is None and plan["goals"] == []
    kinds = {(n["kind"], n["origin"]) for n in plan["not_shared"]}
    assert ("goal", "Jobcenter Test") in kinds and ("plan_field", "Jobcenter Test") in kinds
    assert SECRET_GOAL not in str(plan)
    goal_url = f"/api/v1/citizens/{citizen.uuid}/plan/goals/{jobcenter_goal.uuid}"
    patched = client.patch(
        goal_url, data={"version": 3, "title": "x"}, content_type="application/json"
    )
    assert patched.status_code == 403
    fhir = client.get(f"/fhir/r4/CarePlan/{jobcenter_goal.plan.uuid}").content.decode()
    assert SECRET_GOAL not in fhir and "Arbejde med dyr" not in fhir
    _consent(citizen, caseworker.user, org=psych.organisation)
    plan = client.get(f"/api/v1/citizens/{citizen.uuid}/plan").json()
    assert plan["goals"][0]["title"] == SECRET_GOAL and plan["not_shared"] == []


def test_consent_page_record_and_withdraw(citizen, caseworker, psych, client_for):
    client = client_for(caseworker)
    response = client.post(
        f"/citizens/{citizen.uuid}/consent/",
        {
            "source_organisation": str(caseworker.organisation.uuid),
            "recipient_organisation": str(psych.organisation.uuid),
            "categories": ["plan", "health"],
            "purpose": "Fælles plan",
            "valid_from": timezone.localdate().isoformat(),
            "given_how": "verbal",
        },
    )
    assert response.status_code == 302
    consent = Consent.objects.get()
    assert consent.categories == ["plan", "health"] and consent.recorded_by == caseworker.user
    page = client.get(f"/citizens/{citizen.uuid}/consent/").content.decode()
    assert "Lokalpsykiatri Test" in page
    client.post(f"/citizens/{citizen.uuid}/consent/{consent.uuid}/withdraw/", {"note": "Ønske"})
    consent.refresh_from_db()
    assert consent.withdrawn_at and consent.withdrawn_by == caseworker.user


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (
            {
                "source_sector": "jobcenter",
                "categories": ["plan"],
                "purpose": "x",
                "valid_from": timezone.localdate().isoformat(),
                "given_how": "written",
            },
            "recipient_organisation",
        ),  # no recipient
        (
            {
                "source_sector": "jobcenter",
                "recipient_sector": "lokalpsykiatri",
                "purpose": "x",
                "valid_from": timezone.localdate().isoformat(),
                "given_how": "written",
            },
            "categories",
        ),
        (
            {
                "source_sector": "jobcenter",
                "recipient_sector": "lokalpsykiatri",
                "categories": ["gossip"],
                "purpose": "x",
                "valid_from": timezone.localdate().isoformat(),
                "given_how": "written",
            },
            "categories",
        ),
        (
            {
                "source_sector": "jobcenter",
                "recipient_sector": "lokalpsykiatri",
                "categories": ["plan"],
                "purpose": "x",
                "valid_from": timezone.localdate().isoformat(),
                "valid_to": (timezone.localdate() - datetime.timedelta(days=1)).isoformat(),
                "given_how": "written",
            },
            "valid_to",
        ),
        (
            {
                "source_sector": "jobcenter",
                "recipient_sector": "lokalpsykiatri",
                "categories": ["plan"],
                "purpose": "x" * 1001,
                "valid_from": timezone.localdate().isoformat(),
                "given_how": "written",
            },
            "purpose",
        ),
    ],
)
def test_consent_bad_input(data, error, citizen, caseworker, client_for):
    response = client_for(caseworker).post(f"/citizens/{citizen.uuid}/consent/", data)
    assert response.status_code == 422
    assert error in response.context["form"].errors
    assert not Consent.objects.exists()


def test_consent_api_and_fhir_export(citizen, caseworker, psych, client_for, outsider):
    client = client_for(caseworker)
    created = client.post(
        f"/api/v1/citizens/{citizen.uuid}/consents",
        data={
            "source_organisation": str(caseworker.organisation.uuid),
            "recipient_organisation": str(psych.organisation.uuid),
            "categories": ["health"],
            "purpose": "Behandling og job",
            "valid_from": timezone.localdate().isoformat(),
            "given_how": "digital",
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    cid = created.json()["id"]
    resource = FhirConsent.model_validate(client.get(f"/fhir/r4/Consent/{cid}").json())
    assert resource.status == "active" and resource.provision.class_fhir[0].code == "health"
    roles = {a.role.coding[0].code: a.reference.identifier.value for a in resource.provision.actor}
    assert roles == {"CST": "900000000000001", "IRCP": "900000000000002"}
    bundle = Bundle.model_validate(
        client.get(f"/fhir/r4/Consent?patient=Patient/{citizen.uuid}").json()
    )
    assert bundle.total == 1
    withdrawn = client.post(
        f"/api/v1/citizens/{citizen.uuid}/consents/{cid}/withdraw",
        data={"note": ""},
        content_type="application/json",
    )
    assert withdrawn.json()["state"] == "withdrawn"
    resource = FhirConsent.model_validate(client.get(f"/fhir/r4/Consent/{cid}").json())
    assert resource.status == "inactive"
    bad = client.post(
        f"/api/v1/citizens/{citizen.uuid}/consents",
        data={
            "recipient_sector": "lokalpsykiatri",
            "categories": [],
            "purpose": "x",
            "valid_from": "2026-01-01",
            "given_how": "written",
        },
        content_type="application/json",
    )
    assert bad.status_code == 422
    other = client_for(outsider)
    assert other.get(f"/fhir/r4/Consent/{cid}").status_code == 404


# --- who records: the disclosing side or the coordinator, never the recipient for itself ----


def test_recipient_cannot_record_a_consent_for_itself(jobcenter_goal, citizen, psych, caseworker):
    from django.core.exceptions import PermissionDenied

    from enplan.audit.models import AuditEntry

    with pytest.raises(PermissionDenied):
        _consent(citizen, psych.user, org=psych.organisation, source=caseworker.organisation)
    with pytest.raises(PermissionDenied):  # nor through the sector
        _consent(citizen, psych.user, sector=Sector.PSYCHIATRY, source=caseworker.organisation)
    assert not Consent.objects.exists()
    assert not for_viewer(psych.user, citizen).can_see("plan", jobcenter_goal.origin_id)
    assert AuditEntry.objects.filter(action="refused", context__reason="consent.record").exists()


def test_the_disclosing_side_and_the_coordinator_record(citizen, caseworker, psych, psychiatry):
    # Psychiatry discloses its own information to the jobcenter.
    mine = _consent(citizen, psych.user, org=caseworker.organisation, source=psychiatry)
    assert mine.recorded_by == psych.user and mine.source_organisation == psychiatry
    # The coordinator records for any source, here from the whole psychiatry sector.
    by_sector = give(
        citizen,
        caseworker.user,
        Consent(
            source_sector=Sector.PSYCHIATRY,
            recipient_organisation=caseworker.organisation,
            categories=["health"],
            purpose="Behandling",
            valid_from=timezone.localdate(),
            given_how="verbal",
        ),
    )
    assert by_sector.source_display == str(Sector.PSYCHIATRY.label)


def test_withdrawal_by_the_same_people_only(citizen, caseworker, psych):
    from django.core.exceptions import PermissionDenied

    consent = _consent(citizen, caseworker.user, org=psych.organisation)
    with pytest.raises(PermissionDenied):  # the recipient neither gives nor takes back
        withdraw(consent, psych.user)
    consent.refresh_from_db()
    assert consent.withdrawn_at is None
    withdraw(consent, caseworker.user, "Borgeren ringede")
    consent.refresh_from_db()
    assert consent.withdrawn_by == caseworker.user


def test_recipient_is_refused_on_the_page_and_in_the_api(citizen, caseworker, psych, client_for):
    client = client_for(psych)
    data = {
        "source_organisation": str(caseworker.organisation.uuid),
        "recipient_organisation": str(psych.organisation.uuid),
        "categories": ["plan"],
        "purpose": "Se alt",
        "valid_from": timezone.localdate().isoformat(),
        "given_how": "verbal",
    }
    page = client.post(f"/citizens/{citizen.uuid}/consent/", data)
    assert page.status_code == 403
    assert "ikke af modtageren selv" in page.content.decode()
    api = client.post(
        f"/api/v1/citizens/{citizen.uuid}/consents", data=data, content_type="application/json"
    )
    assert api.status_code == 403
    assert not Consent.objects.exists()


@pytest.mark.parametrize(
    ("valid_from", "valid_to", "field"),
    [
        (-1, None, "valid_from"),  # back-dated (days from today, so the run may pass midnight)
        (datetime.date(1999, 1, 1), None, "valid_from"),
        (0, datetime.date(9999, 1, 1), "valid_to"),
        (0, -1, "valid_to"),
    ],
)
def test_consent_dates_are_sane_and_never_back_dated(
    valid_from, valid_to, field, citizen, caseworker, psych, client_for
):
    from django.core.exceptions import ValidationError

    def day(value):
        if isinstance(value, int):
            return timezone.localdate() + datetime.timedelta(days=value)
        return value

    valid_from, valid_to = day(valid_from), day(valid_to)

    with pytest.raises(ValidationError) as e:
        _consent(
            citizen,
            caseworker.user,
            org=psych.organisation,
            valid_from=valid_from,
            valid_to=valid_to,
        )
    assert field in e.value.message_dict
    response = client_for(caseworker).post(
        f"/citizens/{citizen.uuid}/consent/",
        {
            "source_organisation": str(caseworker.organisation.uuid),
            "recipient_organisation": str(psych.organisation.uuid),
            "categories": ["plan"],
            "purpose": "x",
            "valid_from": valid_from.isoformat(),
            "valid_to": valid_to.isoformat() if valid_to else "",
            "given_how": "written",
        },
    )
    assert response.status_code == 422 and field in response.context["form"].errors
    assert not Consent.objects.exists()


# --- origin × recipient × category --------------------------------------------------------


def test_policy_checks_origin_recipient_and_category(
    jobcenter_goal, citizen, caseworker, psych, psychiatry
):
    from tests.conftest import make_org

    gp_org = make_org("Lægehuset Test", Sector.GENERAL_PRACTICE, "900000000000009")
    jc = caseworker.organisation
    # From the jobcenter to the GP: psychiatry gains nothing.
    _consent(citizen, caseworker.user, org=gp_org)
    assert not for_viewer(psych.user, citizen).can_see("plan", jc.pk)
    # From the GP to psychiatry: still nothing of the jobcenter's.
    _consent(citizen, caseworker.user, org=psychiatry, source=gp_org)
    policy = for_viewer(psych.user, citizen)
    assert not policy.can_see("plan", jc.pk) and policy.can_see("plan", gp_org.pk)
    # From the jobcenter sector to psychiatry, for health only: plan stays withheld.
    give(
        citizen,
        caseworker.user,
        Consent(
            source_sector=Sector.JOBCENTER,
            recipient_organisation=psychiatry,
            categories=["health"],
            purpose="x",
            valid_from=timezone.localdate(),
            given_how="written",
        ),
    )
    policy = for_viewer(psych.user, citizen)
    assert policy.can_see("health", jc.pk) and not policy.can_see("plan", jc.pk)
    assert not policy.can_see("health", gp_org.pk)


def test_shares_with_names_the_sender_as_origin(citizen, caseworker, psych, psychiatry):
    from enplan.consent.policy import shares_with

    _consent(citizen, caseworker.user, org=psychiatry, categories=["messages"])
    jc = caseworker.organisation
    assert shares_with(citizen, psychiatry, "messages", origin=jc)
    assert not shares_with(citizen, jc, "messages", origin=psychiatry)  # the other way
    assert not shares_with(citizen, psychiatry, "plan", origin=jc)
    assert not shares_with(citizen, psychiatry, "messages")  # no origin: no consent fits


def test_migrated_consents_read_from_any_organisation_and_are_flagged(
    jobcenter_goal, citizen, caseworker, psych, psychiatry, client_for
):
    # As the data migration leaves a consent recorded before the source was asked for.
    Consent.objects.create(
        citizen=citizen,
        source_any=True,
        needs_review=True,
        recipient_organisation=psychiatry,
        categories=["plan"],
        purpose="Gammelt samtykke",
        valid_from=timezone.localdate() - datetime.timedelta(days=200),
        given_how="written",
    )
    assert for_viewer(psych.user, citizen).can_see("plan", jobcenter_goal.origin_id)
    page = client_for(caseworker).get(f"/citizens/{citizen.uuid}/consent/").content.decode()
    assert "skal gennemgås" in page and "enhver organisation" in page
    fhir = client_for(caseworker).get(f"/fhir/r4/Consent?patient=Patient/{citizen.uuid}").json()
    roles = [
        a["role"]["coding"][0]["code"] for a in fhir["entry"][0]["resource"]["provision"]["actor"]
    ]
    assert roles == ["IRCP"]  # no single source to name


@pytest.mark.django_db(transaction=True)
def test_migration_moves_old_consents_to_any_and_back_without_loss(caseworker, psych):
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    from tests.conftest import make_citizen

    citizen = make_citizen(caseworker)
    executor = MigrationExecutor(connection)
    old = [("consent", "0001_initial")]
    executor.migrate(old)
    old_apps = executor.loader.project_state(old).apps
    OldConsent = old_apps.get_model("consent", "Consent")
    OldConsent.objects.create(
        citizen_id=citizen.pk,
        municipality_code=citizen.municipality_code,
        recipient_organisation_id=psych.organisation_id,
        categories=["plan", "health"],
        purpose="Fra før",
        valid_from=timezone.localdate() - datetime.timedelta(days=100),
        given_how="verbal",
    )
    executor = MigrationExecutor(connection)
    executor.migrate([("consent", "0002_consent_from_source_and_document")])
    migrated = Consent.objects.get()
    assert migrated.source_any and migrated.needs_review and migrated.source_organisation is None
    assert migrated.categories == ["plan", "health"] and migrated.purpose == "Fra før"
    executor = MigrationExecutor(connection)
    executor.migrate(old)
    back = old_apps.get_model("consent", "Consent").objects.get()
    assert back.recipient_organisation_id == psych.organisation_id
    assert back.categories == ["plan", "health"]
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


# --- the form --------------------------------------------------------------------------------

REQUIRED = {
    "source_organisation": "from the citizen's network",
    "recipient_organisation": "to",
    "categories": ["plan"],
    "purpose": "Fælles plan",
    "valid_from": "today",  # filled in by _full when the test runs (it may pass midnight)
    "given_how": "written",
}
TECHNICAL = ("consent_has", "Constraint", "IntegrityError", "NOT NULL", "violates", "__all__")


def _full(caseworker, psych) -> dict:
    return {
        **REQUIRED,
        "valid_from": timezone.localdate().isoformat(),
        "source_organisation": str(caseworker.organisation.uuid),
        "recipient_organisation": str(psych.organisation.uuid),
    }


@pytest.mark.parametrize("language", ["da", "en"])
@pytest.mark.parametrize("missing", [None, *REQUIRED])
def test_consent_form_says_what_is_missing_per_field(
    missing, language, citizen, caseworker, psych, client_for
):
    client = client_for(caseworker)
    client.cookies["django_language"] = language
    data = (
        {}
        if missing is None
        else {k: v for k, v in _full(caseworker, psych).items() if k != missing}
    )
    response = client.post(
        f"/citizens/{citizen.uuid}/consent/", data, HTTP_ACCEPT_LANGUAGE=language
    )
    assert response.status_code == 422
    body = response.content.decode()
    errors = response.context["form"].errors
    expected = list(REQUIRED) if missing is None else [missing]
    for field in expected:
        assert field in errors, (field, errors)
    assert not errors.get("__all__")
    assert not any(t in body for t in TECHNICAL), body
    assert not Consent.objects.exists()
    if language == "da":
        assert "Vælg mindst én slags oplysninger" in body or missing != "categories"


def test_consent_form_offers_the_network_first_and_searches_the_rest(
    citizen, caseworker, psych, client_for
):
    from enplan.messaging.partners import ensure_example_organisations
    from tests.conftest import make_org

    examples = ensure_example_organisations()
    far = make_org("Traumeklinikken Fjernby", Sector.TRAUMA_CLINIC, "900000000000055")
    client = client_for(caseworker)
    form = client.get(f"/citizens/{citizen.uuid}/consent/").context["form"]
    offered = {o.name for o in form.fields["recipient_organisation"].queryset}
    assert offered == {caseworker.organisation.name, psych.organisation.name}
    assert not offered & {o.name for o in examples.values()} and far.name not in offered
    assert {o.name for o in form.fields["source_organisation"].queryset} == offered
    data = {**_full(caseworker, psych), "recipient_organisation": "", "recipient_search": "Fjernby"}
    assert client.post(f"/citizens/{citizen.uuid}/consent/", data).status_code == 302
    assert Consent.objects.get().recipient_organisation == far
    data["recipient_search"] = "Test"  # several match: say so, store nothing
    response = client.post(f"/citizens/{citizen.uuid}/consent/", data)
    assert response.status_code == 422 and "recipient_search" in response.context["form"].errors


# --- the signed or scanned document --------------------------------------------------------

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"


def test_consent_document_is_checked_served_to_the_network_and_audited(
    citizen, caseworker, psych, outsider, client_for
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from enplan.audit.models import AuditEntry

    client = client_for(caseworker)
    url = f"/citizens/{citizen.uuid}/consent/"
    fake = SimpleUploadedFile("samtykke.pdf", b"<html>not a pdf</html>", "application/pdf")
    response = client.post(url, {**_full(caseworker, psych), "document": fake})
    assert response.status_code == 422 and "document" in response.context["form"].errors
    real = SimpleUploadedFile("samtykke.pdf", PDF, "application/pdf")
    assert client.post(url, {**_full(caseworker, psych), "document": real}).status_code == 302
    consent = Consent.objects.get()
    assert consent.document_type == "application/pdf"
    download = f"/citizens/{citizen.uuid}/consent/{consent.uuid}/document/"
    assert download in client.get(url).content.decode()
    got = client_for(psych).get(download)
    assert got.status_code == 200 and got.content == PDF
    assert got["Content-Disposition"].startswith("attachment")
    assert AuditEntry.objects.filter(
        user_id=psych.user.pk, action="read", context__part="document"
    ).exists()
    assert client_for(outsider).get(download).status_code == 404


def test_gdpr_export_holds_the_consent_with_its_source_and_document(citizen, caseworker, psych):
    import base64
    import json

    from enplan.gdpr.export import export_data

    give(
        citizen,
        caseworker.user,
        Consent(
            source_organisation=caseworker.organisation,
            recipient_organisation=psych.organisation,
            categories=["plan"],
            purpose="Fælles plan",
            valid_from=timezone.localdate(),
            given_how="written",
        ),
        PDF,
        "samtykke.pdf",
    )
    data = json.loads(json.dumps(export_data(citizen)))
    (row,) = data["consent.consent"]
    assert row["source_organisation"] == str(caseworker.organisation.uuid)
    assert row["recipient_organisation"] == str(psych.organisation.uuid)
    assert base64.b64decode(row["document"]) == PDF and row["needs_review"] is False
