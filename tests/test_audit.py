import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from enplan.audit.models import Action, AuditEntry, AuditSeal
from enplan.audit.sealing import seal_all, verify
from enplan.plans import services

NOW = datetime.timedelta(0)


def test_page_read_is_audited_with_who_what_where(citizen, caseworker, client_for):
    before = AuditEntry.objects.count()
    client_for(caseworker).get(f"/citizens/{citizen.uuid}/plan/", REMOTE_ADDR="10.9.8.7")
    entry = AuditEntry.objects.filter(id__gt=0).order_by("-id").first()
    assert AuditEntry.objects.count() > before
    assert entry.actor == "mette" and entry.organisation == "Jobcenter Test"
    assert entry.citizen_uuid == citizen.uuid and entry.object_type == "plan"
    assert entry.action == Action.READ
    assert entry.context["channel"] == "ui" and entry.context["ip"] == "10.9.8.7"
    assert entry.context["path"] == f"/citizens/{citizen.uuid}/plan/"
    assert entry.role.startswith("professional")


def test_writes_are_audited(plan, caseworker, citizen):
    services.add_goal(plan, caseworker.user, plan.version, {"title": "Mål", "status": "open"})
    entry = AuditEntry.objects.filter(action=Action.CREATE, object_type="goal").get()
    assert entry.citizen_uuid == citizen.uuid and entry.context["change"] == "goal_added"


def test_api_reads_are_audited_as_api(citizen, caseworker, client_for):
    client_for(caseworker).get(f"/api/v1/citizens/{citizen.uuid}/plan")
    assert AuditEntry.objects.filter(context__channel="api", object_type="plan").exists()


def test_caseload_list_is_audited_per_citizen(citizen, caseworker, client_for):
    client_for(caseworker).get("/citizens/")
    assert AuditEntry.objects.filter(action=Action.LIST, citizen_uuid=citizen.uuid).count() == 1


def test_refusals_are_audited(citizen, outsider, manager, client_for, client):
    client_for(outsider).get(f"/citizens/{citizen.uuid}/")
    client.force_login(manager)
    assert client.get(f"/citizens/{citizen.uuid}/").status_code == 403
    refused = AuditEntry.objects.filter(action=Action.REFUSED, citizen_uuid=citizen.uuid)
    assert {e.actor for e in refused} == {"olga", "leder"}
    assert {e.context["reason"] for e in refused} == {"network", "role"}


def test_entries_cannot_be_changed_or_deleted_through_the_model(citizen, caseworker):
    entry = AuditEntry.objects.first()
    entry.actor = "someone else"
    with pytest.raises(PermissionDenied):
        entry.save()
    with pytest.raises(PermissionDenied):
        entry.delete()


def test_seal_and_verify_intact_chain(citizen, caseworker, client_for):
    client_for(caseworker).get(f"/citizens/{citizen.uuid}/")
    n = AuditEntry.objects.count()
    assert seal_all(NOW) == n
    assert seal_all(NOW) == 0
    client_for(caseworker).get(f"/citizens/{citizen.uuid}/plan/")
    assert seal_all(NOW) > 0
    assert AuditSeal.objects.count() == 2
    verdict = verify()
    assert verdict.ok and verdict.checked == AuditEntry.objects.count()


def _tamper(sql: str, params) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.mark.parametrize("how", ["update", "delete", "insert"])
def test_tampering_is_detected_by_the_verify_command(how, citizen, caseworker, client_for):
    client = client_for(caseworker)
    for _ in range(3):
        client.get(f"/citizens/{citizen.uuid}/plan/")
    seal_all(NOW)
    ids = list(AuditEntry.objects.order_by("id").values_list("id", flat=True))
    victim = ids[len(ids) // 2]
    if how == "update":
        _tamper("UPDATE audit_auditentry SET actor = %s WHERE id = %s", ["mallory", victim])
        expected = victim
    elif how == "delete":
        _tamper("DELETE FROM audit_auditentry WHERE id = %s", [victim])
        expected = ids[ids.index(victim) + 1]
    else:  # a forged row slipped into the sealed range
        _tamper("DELETE FROM audit_auditentry WHERE id = %s", [victim])
        row = AuditEntry(actor="mallory", object_type="citizen", action="read")
        row.id = victim
        AuditEntry.objects.bulk_create([row])
        expected = victim
    out = io.StringIO()
    with pytest.raises(CommandError) as e:
        call_command("audit_verify", "--no-seal", stdout=out)
    assert f"entry {expected}" in str(e.value)
    assert verify().first_broken_id == expected


def test_verify_command_seals_then_reports_intact(citizen, caseworker, client_for):
    client_for(caseworker).get(f"/citizens/{citizen.uuid}/")
    out = io.StringIO()
    call_command("audit_verify", "--min-age", "0", stdout=out)
    assert "intact" in out.getvalue()


def test_access_log_page_and_api(citizen, caseworker, psych, client_for):
    client_for(psych).get(f"/citizens/{citizen.uuid}/plan/")
    client = client_for(caseworker)
    page = client.get(f"/citizens/{citizen.uuid}/access-log/")
    assert page.status_code == 200 and "Lokalpsykiatri Test" in page.content.decode()
    log = client.get(f"/api/v1/citizens/{citizen.uuid}/access-log").json()
    assert any(e["organisation"] == "Lokalpsykiatri Test" for e in log["items"])
    assert log["count"] >= 2


def test_csv_export_for_the_dpo(citizen, caseworker, client_for, tmp_path):
    client_for(caseworker).get(f"/citizens/{citizen.uuid}/")
    out = tmp_path / "audit.csv"
    call_command("audit_export", "--out", str(out), "--citizen", str(citizen.uuid))
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("id,at,actor")
    assert any("mette" in line and str(citizen.uuid) in line for line in lines[1:])
    assert AuditEntry.objects.filter(action=Action.EXPORT, object_type="audit_log").exists()
    with pytest.raises(CommandError):
        call_command("audit_export", "--since", "yesterday")
