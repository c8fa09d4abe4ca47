"""The usual kinds of certificate, so the form works from the first day; the administrator
edits the list afterwards. Reversing removes only the rows this step added and nobody used."""

from django.db import migrations

KINDS = [
    ("Statusattest (LÆ 265)", "Status of the citizen's health and function from the GP."),
    ("Speciallægeerklæring", "Statement from a specialist (psychiatrist, trauma clinic)."),
    ("Journaludskrift", "Extract of the medical record."),
    ("Psykologerklæring", "Statement from the citizen's psychologist."),
]


def add(apps, schema_editor):
    Kind = apps.get_model("certificates", "CertificateKind")
    for name, description in KINDS:
        Kind.objects.get_or_create(name=name, defaults={"description": description})


def remove(apps, schema_editor):
    Kind = apps.get_model("certificates", "CertificateKind")
    Request = apps.get_model("certificates", "CertificateRequest")
    used = set(Request.objects.values_list("kind__name", flat=True))
    Kind.objects.filter(name__in=[n for n, _d in KINDS]).exclude(name__in=used).delete()


class Migration(migrations.Migration):
    dependencies = [("certificates", "0001_certificate_requests")]
    operations = [migrations.RunPython(add, remove)]
