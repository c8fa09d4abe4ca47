"""Settings, demo data and language: the set-up contract."""

import csv
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.hashers import get_hasher
from django.core.management import call_command

from enplan.accounts.models import User
from enplan.citizens.models import Citizen
from enplan.network.models import NetworkRole
from enplan.organisations.models import Organisation, Professional, Sector

FIXTURE = Path(__file__).parent.parent / "src/enplan/citizens/fixtures/en_plan_movements_2021.csv"


def test_production_settings_use_argon2_first():
    import importlib

    base = importlib.import_module("enplan.settings.base")
    assert base.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    assert get_hasher("argon2").algorithm == "argon2"


def test_argon2_hashes_round_trip(db):
    from django.contrib.auth.hashers import check_password, make_password

    encoded = make_password("s3cret-pass", hasher="argon2")
    assert encoded.startswith("argon2$") and check_password("s3cret-pass", encoded)


def test_production_requires_secret_key(monkeypatch):
    import importlib

    from django.core.exceptions import ImproperlyConfigured

    monkeypatch.delenv("SECRET_KEY", raising=False)
    import enplan.settings.base as base

    monkeypatch.setattr(base, "SECRET_KEY", "")
    with pytest.raises(ImproperlyConfigured):
        base.require_secret_key()
    assert importlib.import_module("enplan.settings.test").DEBUG is False


@pytest.mark.django_db
def test_seed_demo_builds_the_field_and_is_idempotent(capsys):
    call_command("seed_demo")
    sectors = set(Organisation.objects.values_list("sector", flat=True))
    assert {
        Sector.JOBCENTER,
        Sector.PSYCHIATRY,
        Sector.GENERAL_PRACTICE,
        Sector.TRAUMA_CLINIC,
        Sector.SUBSTANCE_ABUSE,
    } <= sectors
    assert Professional.objects.values("profession").distinct().count() >= 8
    rows = list(csv.DictReader(FIXTURE.open(encoding="utf-8")))
    medcom_patient = Citizen.objects.get(cpr="2509479989")  # of MedCom's official examples
    field = Citizen.objects.exclude(pk=medcom_patient.pk)
    assert field.count() == len(rows) >= 40
    for c in field:
        assert (
            c.memberships.filter(role=NetworkRole.COORDINATOR, ended_at__isnull=True).count() == 1
        )
        assert c.plan.goals.exists() and c.plan.versions.count() > 2
    ended = Citizen.objects.filter(courses__state="ended").count()
    assert ended == sum(r["status"] == "Afsluttet" for r in rows)
    from enplan.messaging.models import Thread

    assert Thread.objects.filter(organisation__name="Lokalpsykiatri Gladsaxe").exists()
    assert Organisation.objects.filter(sor_code="330461000016004", uses_enplan=True).exists()
    out = capsys.readouterr().out
    assert "mette" in out and "enplan-demo" in out
    assert User.objects.get(username="mette").check_password("enplan-demo")
    call_command("seed_demo")
    assert Citizen.objects.count() == len(rows) + 1  # idempotent: nothing added


def test_danish_is_default_and_english_available(client, db):
    assert settings.LANGUAGE_CODE == "da"
    page = client.get("/accounts/login/")
    assert '<html lang="da">' in page.content.decode()
    # The browser's language does not decide (Danish is the documented default) …
    page = client.get("/accounts/login/", headers={"Accept-Language": "en"})
    assert '<html lang="da">' in page.content.decode()
    # … the user's own choice (the language switch's cookie) does.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get("/accounts/login/", headers={"Accept-Language": "da"})
    assert '<html lang="en">' in page.content.decode() and "Log in" in page.content.decode()


def test_danish_catalogue_is_complete():
    po = Path(settings.LOCALE_PATHS[0]) / "da/LC_MESSAGES/django.po"
    text = po.read_text(encoding="utf-8")
    assert "#, fuzzy" not in text.split("\n\n", 1)[1]
    entries = text.split("\n\n")[1:]
    untranslated = [e for e in entries if 'msgstr ""' in e and e.rstrip().endswith('msgstr ""')]
    assert not untranslated, untranslated[:3]
    assert (po.parent / "django.mo").exists()


@pytest.mark.django_db
def test_create_api_token_command(caseworker, capsys, client):
    call_command("create_api_token", "mette", "--name", "integration")
    raw = capsys.readouterr().out.strip()
    assert raw.startswith("enp_")
    assert (
        client.get("/api/v1/citizens", headers={"Authorization": f"Bearer {raw}"}).status_code
        == 200
    )
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("create_api_token", "nobody")


def test_the_lock_is_current_and_holds_every_pin_of_pyproject():
    """constraints.txt is what scripts/lock.py writes from this environment (installed from
    it), and every pin in pyproject.toml is in it at the same version: a pin changed without
    re-locking, or a lock edited by hand, fails here."""
    import importlib.util
    import tomllib

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    root = Path(__file__).resolve().parent.parent
    spec = importlib.util.spec_from_file_location("lock", root / "scripts" / "lock.py")
    lock = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(lock)
    written = (root / "constraints.txt").read_text()
    assert lock.render() == written
    locked = dict(
        line.split("==") for line in written.splitlines() if line and not line.startswith("#")
    )
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    for line in [*project["dependencies"], *project["optional-dependencies"]["dev"]]:
        req = Requirement(line)
        pinned = [s.version for s in req.specifier if s.operator == "=="]
        assert pinned, f"{req.name} is not pinned in pyproject.toml"
        assert locked[canonicalize_name(req.name)] == pinned[0], req.name
