"""What auditing costs on a plan page read: the same page, same run, with and without the
audit insert, interleaved so that drift hits both equally.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/enplan .venv/bin/python bench/audit_cost.py

Uses a throw-away test database (test_<name>), DEBUG off, Django's test client (no network).
"""

import os
import statistics
import sys
import time
from pathlib import Path
from unittest import mock

from django.utils import timezone

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "enplan.settings.test")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

ROUNDS = int(os.environ.get("ROUNDS", "400"))


def build():
    from enplan.network.models import NetworkRole
    from enplan.network.services import add_member
    from enplan.organisations.models import Profession, Sector
    from enplan.plans import services
    from tests.conftest import make_citizen, make_org, make_professional

    jc = make_org("Jobcenter Bench", Sector.JOBCENTER)
    lpc = make_org("Lokalpsykiatri Bench", Sector.PSYCHIATRY)
    cw = make_professional("bench-cw", jc)
    nurse = make_professional("bench-nurse", lpc, Profession.NURSE)
    citizen = make_citizen(cw)
    add_member(citizen, cw.user, role=NetworkRole.PSYCHIATRY_CONTACT, professional=nurse)
    plan = services.get_or_create_plan(citizen, cw.user)
    member = citizen.memberships.get(role=NetworkRole.COORDINATOR)
    for i in range(4):
        goal = services.add_goal(
            plan, cw.user, plan.version, {"title": f"Mål {i}", "status": "open"}
        )
        for j in range(2):
            services.add_activity(
                plan,
                cw.user,
                plan.version,
                {
                    "title": f"Aktivitet {i}.{j}",
                    "goal": goal,
                    "starts_on": timezone.localdate(),
                    "responsible": member,
                    "organisation": jc,
                    "purpose": "x",
                    "legal_basis": "lab",
                    "status": "planned",
                },
            )
    return cw.user, f"/citizens/{citizen.uuid}/plan/"


def main() -> None:
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, keepdb=False)
    try:
        user, url = build()
        client = Client()
        client.force_login(user)
        for _ in range(30):  # warm up
            client.get(url)
        timings = {"with audit": [], "without audit": []}
        for i in range(ROUNDS * 2):
            audited = i % 2 == 0
            patch = mock.patch("enplan.citizens.access.record", lambda *a, **k: None)
            if not audited:
                patch.start()
            t = time.perf_counter()
            response = client.get(url)
            timings["with audit" if audited else "without audit"].append(
                (time.perf_counter() - t) * 1000
            )
            if not audited:
                patch.stop()
            assert response.status_code == 200
        print(f"database: {connection.vendor}; plan page, {ROUNDS} reads each, interleaved")
        for name, values in timings.items():
            values.sort()
            print(
                f"  {name:14} median {statistics.median(values):6.2f} ms   "
                f"p95 {values[int(len(values) * 0.95)]:6.2f} ms"
            )
        ratio = statistics.median(timings["with audit"]) / statistics.median(
            timings["without audit"]
        )
        print(f"  audit cost: x{ratio:.3f} on the median ({(ratio - 1) * 100:+.1f} %)")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
