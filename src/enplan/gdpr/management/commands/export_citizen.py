from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from enplan.audit.context import command_context
from enplan.citizens.models import Citizen
from enplan.core.cpr import parse_cpr
from enplan.gdpr.export import export_citizen


class Command(BaseCommand):
    help = "Export everything about one citizen (GDPR art. 15) as JSON and PDF into a folder."

    def add_arguments(self, parser):
        who = parser.add_mutually_exclusive_group(required=True)
        who.add_argument("--id", help="the citizen's public id (uuid)")
        who.add_argument("--cpr", help="the citizen's CPR number")
        parser.add_argument("--out", required=True, help="folder to write into")

    def handle(self, id, cpr, out, **options):
        try:
            citizen = (
                Citizen.objects.get(uuid=id) if id else Citizen.objects.get(cpr=parse_cpr(cpr)[0])
            )
        except (Citizen.DoesNotExist, ValidationError, ValueError):
            raise CommandError("No such citizen.") from None
        folder = Path(out)
        folder.mkdir(parents=True, exist_ok=True)
        with command_context("export_citizen"):
            export = export_citizen(citizen)
        for name, content in export.files(citizen):
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            (folder / name).write_bytes(content)
        self.stdout.write(f"Wrote enplan-{citizen.uuid}.json, .pdf and attachments to {folder}")
