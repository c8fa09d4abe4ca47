"""`python -m enplan …` / `enplan …`: Django's manage.py with enplan's defaults."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "enplan.settings.demo")
    from django.core.management import execute_from_command_line

    argv = [
        sys.argv[0],
        *[a.replace("-", "_") if i == 0 else a for i, a in enumerate(sys.argv[1:])],
    ]
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
