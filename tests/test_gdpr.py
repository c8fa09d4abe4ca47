import datetime
import io
import json
import re
import zipfile

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings
from django.utils import timezone

from enplan.accounts.models import Role, User
from enplan.audit.models import Action, AuditEntry
from enplan.citizens.models import Citizen, Contact
from enplan.courses.models import Course
from enplan.gdpr.export import citizen_owned_models, export_data
from enplan.plans import services

from .conftest import make_citizen


@pytest.fixture
def dpo(db):
    return User.objects.create_user("dpo", password="x" * 12, role=Role.DPO)


@pytest.fixture
def sysadmin(db):
    return User.objects.create_user("sys", password="x" * 12, role=Role.SYSADMIN)


def test_export_contains_everything_the_citizen_owns(citizen, plan, caseworker):
    services.add_goal(plan, caseworker.user, plan.version, {"title": "Mål X", "status": "open"})
    Contact.objects.create(citizen=citizen, at="2026-11-01T10:00Z", kind="phone", summary="Ring")
    data = export_data(citizen)
    owned = {m._meta.label_lower for m in citizen_owned_models()}
    assert owned <= set(data)  # every citizen-owned model is in the export
    assert {"plans.plan", "plans.goal", "network.networkmembership", "consent.consent"} <= owned
    assert data["citizen"]["cpr"] == citizen.cpr
    assert data["plans.goal"][0]["title"] == "Mål X"
    assert data["citizens.contact"][0]["summary"] == "Ring"
    assert data["audit.auditentry"]


def test_export_command_writes_json_and_pdf_and_is_audited(citizen, tmp_path):
    call_command("export_citizen", "--id", str(citizen.uuid), "--out", str(tmp_path))
    body = json.loads((tmp_path / f"enplan-{citizen.uuid}.json").read_text(encoding="utf-8"))
    assert body["citizen"]["family_name"] == "Andersen"
    pdf = (tmp_path / f"enplan-{citizen.uuid}.pdf").read_bytes()
    assert pdf.startswith(b"%PDF") and len(pdf) > 1000
    entry = AuditEntry.objects.get(action=Action.EXPORT)
    assert entry.citizen_uuid == citizen.uuid and entry.context["channel"] == "command"
    call_command("export_citizen", "--cpr", citizen.cpr, "--out", str(tmp_path / "b"))
    with pytest.raises(CommandError):
        call_command("export_citizen", "--cpr", "3201901234", "--out", str(tmp_path))


def test_retention_dry_run_then_execute(citizen, caseworker, outsider, capsys):
    old = make_citizen(outsider, family_name="Gammel")
    Course.objects.create(
        citizen=old,
        target_group="aktivitetsparat",
        state="ended",
        starts_on=datetime.date(2015, 1, 1),
        ends_on=datetime.date(2016, 1, 1),
    )
    Course.objects.create(
        citizen=citizen, target_group="aktivitetsparat", starts_on=datetime.date(2015, 1, 1)
    )  # still active: kept
    with override_settings(ENPLAN_RETENTION_DAYS=365):
        call_command("apply_retention")
        assert Citizen.objects.filter(pk=old.pk).exists()
        assert "Would delete (dry run): 1" in capsys.readouterr().out
        call_command("apply_retention", "--execute")
    assert not Citizen.objects.filter(pk=old.pk).exists()
    assert Citizen.objects.filter(pk=citizen.pk).exists()
    runs = AuditEntry.objects.filter(object_type="retention_run")
    assert [r.context["execute"] for r in runs.order_by("id")] == [False, True]
    assert AuditEntry.objects.filter(citizen_uuid=old.uuid, action=Action.DELETE).exists()
    assert AuditEntry.objects.filter(citizen_uuid=old.uuid, action=Action.CREATE).exists()


def test_admin_roles(client, citizen, sysadmin, dpo, caseworker, manager):
    client.force_login(sysadmin)
    assert client.get("/admin/organisations/organisation/").status_code == 200
    assert client.get("/admin/accounts/user/").status_code == 200
    assert client.get("/admin/gdpr/citizenrecord/").status_code == 403
    assert client.get("/admin/audit/auditentry/").status_code == 403
    client.force_login(caseworker.user)
    # logged in, but not an admin role: refused (after the admin's redirect to its log-in)
    assert client.get("/admin/", follow=True).status_code == 403
    client.force_login(manager)
    assert client.get("/admin/organisations/organisation/", follow=True).status_code == 403
    client.logout()
    response = client.get("/admin/", follow=True)  # via the admin's log-in to enplan's own
    assert response.redirect_chain[-1][0].startswith("/accounts/login/")


def test_dpo_exports_citizen_and_audit_csv(client, citizen, dpo):
    client.force_login(dpo)
    listing = client.get("/admin/gdpr/citizenrecord/")
    assert listing.status_code == 200 and citizen.family_name not in listing.content.decode()
    found = client.get("/admin/gdpr/citizenrecord/", {"q": citizen.cpr_display}).content.decode()
    # The DPO's job needs the name and the CPR number; the result is not a link to open.
    assert citizen.full_name in found and citizen.cpr_display in found
    assert f"/admin/gdpr/citizenrecord/{citizen.pk}/change/" not in found
    seen = AuditEntry.objects.get(actor="dpo", action=Action.READ, citizen_uuid=citizen.uuid)
    assert seen.context["purpose"] == "dpo-cpr-search"
    response = client.post(
        f"/admin/gdpr/citizenrecord/?q={citizen.cpr}",
        {
            "action": "export_gdpr",
            "_selected_action": [citizen.pk],
        },
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    assert names[:2] == [f"enplan-{citizen.uuid}.json", f"enplan-{citizen.uuid}.pdf"]
    assert AuditEntry.objects.filter(action=Action.EXPORT, actor="dpo").exists()
    csv = b"".join(client.get("/admin/audit/auditentry/export.csv").streaming_content)
    assert csv.startswith(b"id,at,actor") and str(citizen.uuid).encode() in csv
    # The DPO cannot open the case itself.
    assert client.get(f"/citizens/{citizen.uuid}/plan/").status_code == 403


def test_export_action_without_the_cpr_search_exports_nobody(client, citizen, dpo):
    client.force_login(dpo)
    response = client.post(
        "/admin/gdpr/citizenrecord/",
        {"action": "export_gdpr", "_selected_action": [citizen.pk]},
    )
    assert response.get("Content-Type") != "application/zip"
    assert not AuditEntry.objects.filter(action=Action.EXPORT).exists()


@pytest.mark.parametrize("suffix", ["change/", "history/", "delete/", ""])
def test_dpo_opening_a_citizen_record_by_id_is_refused_and_audited(client, citizen, dpo, suffix):
    client.force_login(dpo)
    response = client.get(f"/admin/gdpr/citizenrecord/{citizen.pk}/{suffix}", follow=True)
    assert response.status_code == 403
    refused = AuditEntry.objects.get(action=Action.REFUSED, actor="dpo")
    assert refused.citizen_uuid == citizen.uuid and refused.context["reason"] == "dpo-open-by-id"


# --- completeness: every model with a foreign-key path to the citizen -----------------------


def _models_reaching_the_citizen() -> set[str]:
    """Walk Django's model meta from the citizen along reverse relations (one-to-many and
    one-to-one), however deep: segments via messages via threads, versions via plans…
    Written independently of gdpr.export, which it checks."""
    from django.apps import apps as django_apps

    reached: set = set()
    todo = [Citizen]
    while todo:
        model = todo.pop()
        for rel in model._meta.get_fields(include_hidden=True):
            if not (rel.auto_created and not rel.concrete and (rel.one_to_many or rel.one_to_one)):
                continue
            related = rel.related_model._meta.concrete_model
            if related is Citizen or related in reached:
                continue
            reached.add(related)
            todo.append(related)
    assert all(django_apps.get_model(m._meta.label) for m in reached)
    return {m._meta.label_lower for m in reached}


@pytest.fixture
def rich_citizen(citizen, caseworker, plan):
    """A citizen with rows in as many citizen-related models as the product can make."""
    from enplan.consent.models import Category, Consent
    from enplan.consent.services import give
    from enplan.messaging import sending
    from enplan.messaging.models import Message, Receipt, ThreadRead
    from enplan.network.models import NetworkRole
    from enplan.network.services import add_member
    from enplan.organisations.models import Sector

    from .conftest import make_org

    services.add_goal(plan, caseworker.user, plan.version, {"title": "Mål X", "status": "open"})
    Contact.objects.create(citizen=citizen, at="2026-11-01T10:00Z", kind="phone", summary="Ring")
    clinic = make_org("Klinik Udenfor", Sector.TRAUMA_CLINIC, "900000000000077")
    clinic.uses_enplan = False
    clinic.save()
    add_member(citizen, caseworker.user, role=NetworkRole.TREATMENT, organisation=clinic)
    give(
        citizen,
        caseworker.user,
        Consent(
            source_organisation=caseworker.organisation,
            recipient_organisation=clinic,
            categories=[Category.MESSAGES],
            purpose="Samarbejde",
            valid_from=timezone.localdate(),
            given_how="written",
        ),
    )
    message = sending.compose(
        caseworker.user,
        citizen,
        partner=clinic,
        category="carecoordination",
        topic="Opfølgning",
        text="Hej fra jobcentret",
        uploads=[sending.Upload("notat.pdf", "application/pdf", b"%PDF-1.4 notat")],
    )
    ThreadRead.objects.create(
        user=caseworker.user, thread=message.thread, read_at=datetime.datetime.now(datetime.UTC)
    )
    Receipt.objects.create(
        channel="test", header_id=message.header_id, message=message, outcome="accepted"
    )
    assert Message.objects.filter(thread__citizen=citizen).exists()
    return citizen


def test_the_export_holds_every_model_with_a_foreign_key_path_to_the_citizen(rich_citizen):
    data = export_data(rich_citizen)
    reaching = _models_reaching_the_citizen()
    assert {
        "messaging.message",
        "messaging.segment",
        "messaging.receipt",
        "messaging.outboxentry",
        "network.handover",
        "plans.planversion",
    } <= reaching
    missing = reaching - set(data)
    assert not missing, f"not in the GDPR export: {sorted(missing)}"
    # And the rows are there, not just the keys.
    for label in (
        "messaging.thread",
        "messaging.message",
        "messaging.segment",
        "messaging.receipt",
        "messaging.outboxentry",
        "messaging.threadread",
        "plans.goal",
        "plans.planversion",
        "consent.consent",
        "citizens.contact",
    ):
        assert data[label], label
    texts = [s["text"] for s in data["messaging.segment"]]
    assert "Hej fra jobcentret" in texts
    attachment = next(s for s in data["messaging.segment"] if s["title"] == "notat.pdf")
    assert attachment["data"]  # base64


def test_the_pdf_is_written_for_the_citizen(rich_citizen):
    import pypdf

    from enplan.gdpr.export import export_citizen

    export = export_citizen(rich_citizen)
    text = "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(export.pdf)).pages)
    for heading in (
        "Det har enplan om",
        "Om dig",
        "Din plan",
        "Dine delmål",
        "Beskeder om dig",
        "Hvem har set eller ændret dine oplysninger",
    ):
        assert heading in text, heading
    assert "Hej fra jobcentret" in text and "Mål X" in text
    assert re.search(r"\d\d\.\d\d\.\d{4} \d\d:\d\d", text)  # local dates, Danish style
    # No field names, Python structures or raw ISO timestamps.
    for raw in (
        "family_name",
        "final_goal",
        "recipient_organisation",
        "{'",
        "': ",
        "None",
        "T10:00",
        "+00:00",
    ):
        assert raw not in text, raw
    names = [n for n, _c in export.files(rich_citizen)]
    assert any(n.endswith("notat.pdf") for n in names)


def test_export_files_are_complete_in_the_zip_from_the_admin(client, rich_citizen, dpo):
    client.force_login(dpo)
    response = client.post(
        f"/admin/gdpr/citizenrecord/?q={rich_citizen.cpr}",
        {"action": "export_gdpr", "_selected_action": [rich_citizen.pk], "index": 0},
    )
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    body = json.loads(archive.read(f"enplan-{rich_citizen.uuid}.json"))
    assert body["messaging.segment"]
    attached = [n for n in archive.namelist() if "-attachments/" in n]
    assert len(attached) == 1 and archive.read(attached[0]) == b"%PDF-1.4 notat"


# --- CSV, audit list --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "evil", ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]
)
def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised(db, evil):
    import csv as csv_module

    from enplan.audit.export import csv_lines as audit_csv_lines
    from enplan.core.spreadsheet import csv_lines, neutralise

    assert neutralise(evil) == "'" + evil
    assert neutralise(-5) == -5 and neutralise("Lene") == "Lene"
    [line] = list(csv_lines([[evil, "ok", 3]]))
    assert next(csv_module.reader([line]))[0] == "'" + evil
    user = User.objects.create_user("evil", role=Role.PROFESSIONAL, first_name=evil)
    from enplan.audit.services import record

    record(user, None, Action.READ, ("thing", evil))
    rows = list(csv_module.reader("".join(audit_csv_lines(AuditEntry.objects.all())).splitlines()))
    cells = [c for r in rows[1:] for c in r]
    assert not any(c.startswith(("=", "+", "@", "\t", "\r")) for c in cells)
    assert not any(c.startswith("-") and not c.lstrip("-").isdigit() for c in cells)


def test_every_csv_writer_goes_through_the_shared_helper():
    from pathlib import Path

    src = Path(__file__).resolve().parent.parent / "src" / "enplan"
    offenders = [
        str(p.relative_to(src))
        for p in src.rglob("*.py")
        if p.name != "spreadsheet.py"
        and ("csv.writer(" in p.read_text() or "DictWriter(" in p.read_text())
    ]
    assert offenders == []


def test_the_audit_list_is_newest_first_searchable_by_cpr_and_links_the_csv(
    client, citizen, dpo, caseworker
):
    client.force_login(dpo)
    client.get(f"/citizens/{citizen.uuid}/")  # refused: one more row
    response = client.get("/admin/audit/auditentry/")
    html = response.content.decode()
    assert "/admin/audit/auditentry/export.csv" in html
    shown = [e.pk for e in response.context_data["cl"].result_list]
    assert shown == sorted(shown, reverse=True) and len(shown) > 1
    assert "Hvornår" in html or "hvornår" in html
    found = client.get("/admin/audit/auditentry/", {"q": citizen.cpr_display}).content.decode()
    rows = AuditEntry.objects.filter(citizen_uuid=citizen.uuid).count()
    assert f"{rows} " in found or str(rows) in found
    assert f"export.csv?q={citizen.cpr_display}" in found.replace("%2D", "-")
    assert AuditEntry.objects.filter(
        actor="dpo", citizen_uuid=citizen.uuid, context__purpose="dpo-audit-search"
    ).exists()
    csv = b"".join(
        client.get("/admin/audit/auditentry/export.csv", {"q": citizen.cpr}).streaming_content
    ).decode()
    assert all(str(citizen.uuid) in line for line in csv.splitlines()[1:])
