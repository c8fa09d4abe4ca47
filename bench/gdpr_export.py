"""Time of one GDPR export (JSON + PDF + attachments) for the richest demo citizen.

    .venv/bin/python bench/gdpr_export.py [--rounds 3] [--profile]

Uses the demo data in var/bench-gdpr.sqlite3 (migrated and seeded on first run; or
DATABASE_URL). Prints the first export in a fresh process (what the DPO waits for after a
restart, without the server's PDF warm-up) and the following ones, in wall-clock and CPU
time, split into data, PDF and the whole export. --profile prints cProfile's top entries for
the first export.
"""

import argparse
import cProfile
import os
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "enplan.settings.demo")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench-gdpr.sqlite3'}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()

    started = time.perf_counter()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db.models import Count

    (ROOT / "var").mkdir(exist_ok=True)
    call_command("migrate", verbosity=0)
    from enplan.citizens.models import Citizen

    if not Citizen.objects.exists():
        call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    from enplan.gdpr.export import export_citizen, export_data
    from enplan.gdpr.pdf import render_pdf

    print(f"start-up (django, migrate, imports): {time.perf_counter() - started:.2f} s")
    # Wall time on a shared machine includes waiting for a CPU; the load shows how much.
    print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    citizen = Citizen.objects.annotate(n=Count("plan_versions")).order_by("-n", "id").first()
    print(f"citizen: {citizen.uuid} ({citizen.n} plan versions)")
    for i in range(args.rounds):
        profile = cProfile.Profile() if args.profile and i == 0 else None
        t0, c0 = time.perf_counter(), time.process_time()
        if profile:
            profile.enable()
        export = export_citizen(citizen)
        if profile:
            profile.disable()
        total, cpu = time.perf_counter() - t0, time.process_time() - c0
        t1 = time.perf_counter()
        export_data(citizen)
        t2 = time.perf_counter()
        render_pdf(citizen)
        t3 = time.perf_counter()
        label = "first" if i == 0 else f"run {i + 1}"
        print(
            f"{label}: export {total:.2f} s wall, {cpu:.2f} s CPU "
            f"(json {len(export.json) // 1024} KiB, "
            f"pdf {len(export.pdf) // 1024} KiB) | again: data {t2 - t1:.3f} s, pdf {t3 - t2:.2f} s"
        )
        if profile:
            pstats.Stats(profile).sort_stats("cumulative").print_stats(20)


if __name__ == "__main__":
    main()
