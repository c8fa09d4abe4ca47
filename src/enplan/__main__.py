"""`python -m enplan …` / `enplan …`: Django's manage.py with enplan's defaults.

`enplan serve` defaults to the production settings (the others to the demo's), and refuses
to start without SECRET_KEY before Django is even loaded."""

import os
import sys

PRODUCTION_COMMANDS = {"serve"}


def main() -> None:
    args = [a.replace("-", "_") if i == 0 else a for i, a in enumerate(sys.argv[1:])]
    command = args[0] if args else ""
    if command in PRODUCTION_COMMANDS:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "enplan.settings.production")
        if not os.environ.get("SECRET_KEY", "").strip():
            sys.stderr.write("enplan serve: refusing to start: set SECRET_KEY.\n")
            raise SystemExit(2)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "enplan.settings.demo")
    from django.core.management import execute_from_command_line

    execute_from_command_line([sys.argv[0], *args])


if __name__ == "__main__":
    main()
