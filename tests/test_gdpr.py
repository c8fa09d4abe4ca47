import datetime
import io
import json
import zipfile

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

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
