"""Labels for raw choice values that reach a template without their model field (annotations).

The apps that own the choices register them by kind in their AppConfig.ready(), so the shared
`choice_label` template filter lives on the ground floor without importing those apps.
"""

from django.db.models import Choices

_CHOICES: dict[str, type[Choices]] = {}


def register(kind: str, choices: type[Choices]) -> None:
    _CHOICES[kind] = choices


def choice_label(value: str | None, kind: str) -> str:
    """The translated label of `value` among the choices registered as `kind`."""
    if not value:
        return "–"
    try:
        return str(_CHOICES[kind](value).label)
    except ValueError:
        return value
