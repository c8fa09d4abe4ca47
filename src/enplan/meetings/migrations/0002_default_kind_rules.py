"""The installation's default meeting rules (DOMAIN.md §5), editable in the admin."""

from django.db import migrations

DEFAULTS = {
    "planning": {"duration_minutes": 90, "minutes_required": True, "needs_citizen": True},
    "network": {"duration_minutes": 90, "minutes_required": True, "needs_citizen": True},
    "three_party": {"duration_minutes": 20, "minutes_required": False, "needs_citizen": True},
    "follow_up": {"duration_minutes": 45, "minutes_required": True, "needs_citizen": True},
    "cooperation": {
        "duration_minutes": 120,
        "minutes_required": True,
        "needs_citizen": False,
        "per_year": 2,
    },
    "discharge": {
        "duration_minutes": 60,
        "minutes_required": True,
        "needs_citizen": True,
        "deadline_working_days": 4,
    },
}


def add_rules(apps, schema_editor):
    KindRule = apps.get_model("meetings", "KindRule")
    for kind, values in DEFAULTS.items():
        KindRule.objects.get_or_create(kind=kind, defaults=values)


def remove_rules(apps, schema_editor):
    apps.get_model("meetings", "KindRule").objects.filter(kind__in=DEFAULTS).delete()


class Migration(migrations.Migration):
    dependencies = [("meetings", "0001_meetings")]
    operations = [migrations.RunPython(add_rules, remove_rules)]
