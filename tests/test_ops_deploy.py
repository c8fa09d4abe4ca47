"""Serving for production in one command, and the backup drill (issue 16, points 3 and 4):
back up, write more, restore into a scratch database, verify – on SQLite and PostgreSQL."""

import datetime
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from django.db import connection

from enplan.audit.models import AuditEntry
from enplan.audit.sealing import seal_all
from enplan.ops.backup import row_counts

from .conftest import make_citizen
from .test_messaging_delivery import ROOT, _worker_env


def manage(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, str(ROOT / "manage.py"), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def needs_file_db():
    if connection.vendor == "sqlite" and connection.settings_dict["NAME"].startswith(
        ("file:memorydb", ":memory:")
    ):
        pytest.skip("needs a database file other processes can open")


@pytest.fixture
def scratch_url(tmp_path):
    """An empty database to restore into, apart from the one under test (and from every
    other developer's: PostgreSQL names start with the test database's own)."""
    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    db = connection.settings_dict
    name = f"{db['NAME']}_restore"[:63]
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{name}"
    finally:
        connection.close()  # reopened on demand
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.django_db(transaction=True)
def test_backup_write_restore_verify_drill(tmp_path, scratch_url, caseworker, citizen, client_for):
    needs_file_db()
    client_for(caseworker).get(f"/citizens/{citizen.uuid}/plan/")  # audited reads
    seal_all(datetime.timedelta(0))
    target = tmp_path / "enplan.backup"

    # 1. back up
    result = manage(_worker_env(), "backup", str(target))
    assert result.returncode == 0, result.stderr
    manifest = json.loads((tmp_path / "enplan.backup.manifest.json").read_text())
    assert manifest["tables"] == row_counts()  # as the database was at the backup
    assert manifest["tables"]["citizens_citizen"] == 1

    # 2. write more: a new citizen, more audit rows, sealed
    make_citizen(caseworker, given_name="Bo", family_name="Berg")
    client_for(caseworker).get("/citizens/")
    seal_all(datetime.timedelta(0))
    assert row_counts() != manifest["tables"]

    # 3. restore into the scratch database (an empty one, as after losing the server)
    restored = _worker_env(DATABASE_URL=scratch_url)
    result = manage(restored, "restore", str(target))
    assert result.returncode != 0 and "--yes" in result.stderr  # never by accident
    result = manage(restored, "restore", str(target), "--yes")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["counts_match"] is True and report["audit_ok"] is True
    assert report["audit_verified_entries"] > 0

    # 4. verify independently: the audit chain, and the counts of the backup moment
    result = manage(restored, "audit_verify", "--no-seal")
    assert result.returncode == 0 and "Audit chain intact" in result.stdout, result.stderr
    result = manage(
        restored,
        "shell",
        "-c",
        "import json; from enplan.ops.backup import row_counts; print(json.dumps(row_counts()))",
    )
    assert json.loads(result.stdout.strip().splitlines()[-1]) == manifest["tables"]
    assert AuditEntry.objects.count() > manifest["tables"]["audit_auditentry"]  # source moved on


@pytest.mark.django_db(transaction=True)
def test_a_restore_that_does_not_match_its_manifest_fails(tmp_path, scratch_url):
    needs_file_db()
    target = tmp_path / "b.backup"
    assert manage(_worker_env(), "backup", str(target)).returncode == 0
    manifest_file = tmp_path / "b.backup.manifest.json"
    manifest = json.loads(manifest_file.read_text())
    manifest["tables"]["citizens_citizen"] += 1  # a backup missing a row
    manifest_file.write_text(json.dumps(manifest))
    result = manage(_worker_env(DATABASE_URL=scratch_url), "restore", str(target), "--yes")
    assert result.returncode == 1 and "row counts differ" in result.stderr


def _enplan(env: dict, *args: str, **kw) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603 - our own package
        [sys.executable, "-m", "enplan", *args], env=env, **kw
    )


def _serve_env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DJANGO_SETTINGS_MODULE")}
    env["PYTHONPATH"] = str(ROOT / "src")
    env.update(extra)
    return env


def test_serve_refuses_to_start_without_a_secret_key():
    proc = _enplan(_serve_env(), "serve", stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 2 and b"SECRET_KEY" in err


def test_serve_runs_gunicorn_with_a_json_access_log(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = tmp_path / "serve.log"
    env = _serve_env(
        SECRET_KEY="serve-test-" + "x" * 40,
        DATABASE_URL=f"sqlite:///{tmp_path / 'serve.sqlite3'}",
        ENPLAN_BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY="2",
    )
    with log.open("wb") as out:
        proc = _enplan(env, "serve", stdout=out, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    request = urllib.request.Request(
                        f"http://127.0.0.1:{port}/healthz",
                        headers={"X-Request-ID": "serve-probe-0001"},
                    )
                    with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
                        assert response.status == 200  # plain HTTP: exempt from the TLS redirect
                        assert json.loads(response.read()) == {"status": "alive"}
                        break
                except OSError:
                    if time.monotonic() > deadline or proc.poll() is not None:
                        raise
                    time.sleep(0.3)
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(30)
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    access = [line for line in lines if line.get("logger") == "access"]
    assert any(
        a["path"] == "/healthz" and a["status"] == 200 and a["request_id"] == "serve-probe-0001"
        for a in access
    ), log.read_text()
    booted = [line for line in lines if "Booting worker" in line.get("message", "")]
    assert len(booted) == 2 and booted[0]["logger"] == "gunicorn.error"  # its own log: JSON too
