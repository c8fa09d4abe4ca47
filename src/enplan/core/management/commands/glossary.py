from django.core.management.base import BaseCommand

from enplan.core.glossary import readme_table


class Command(BaseCommand):
    help = "Print README's glossary table (Markdown) from enplan.core.glossary."

    def handle(self, *args, **options) -> None:
        self.stdout.write(readme_table(), ending="")
