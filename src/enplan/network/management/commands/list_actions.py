"""Print the declared write actions as a Markdown table (docs/actions.md is its output)."""

from django.core.management.base import BaseCommand
from django.utils import translation

from enplan.network.permissions import action_table


class Command(BaseCommand):
    help = "List every declared write action: what it allows, who may, where it is performed."

    def handle(self, *args, **options) -> None:
        with translation.override("en"):
            self.stdout.write(action_table(), ending="")
