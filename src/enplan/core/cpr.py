"""Danish CPR numbers (personnummer).

Format DDMMYY-SSSS. The century follows from the 7th digit together with the year
(CPR-kontoret's table). Modulus 11 is *not* required: numbers without it have been
issued since 2007.
"""

import datetime
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_CPR_RE = re.compile(r"^\s*([0-9]{2})([0-9]{2})([0-9]{2})-?([0-9]{4})\s*$", re.ASCII)


def century(seventh_digit: int, yy: int) -> int:
    """Return the century (1800, 1900 or 2000) given the 7th digit and the two-digit year."""
    if seventh_digit in (0, 1, 2, 3):
        return 1900
    if seventh_digit in (4, 9):
        return 2000 if yy <= 36 else 1900
    # 5, 6, 7, 8
    return 2000 if yy <= 57 else 1800


def parse_cpr(value: str) -> tuple[str, datetime.date]:
    """Normalise a CPR number to 10 digits and return it with the date of birth.

    Raises ValidationError with a message a person can act on. The number itself is never
    echoed back: it is personal data and must not reach logs.
    """
    match = _CPR_RE.match(value or "")
    if not match:
        raise ValidationError(
            _("A CPR number has 10 digits, written DDMMYY-SSSS or DDMMYYSSSS."), code="format"
        )
    dd, mm, yy, seq = match.groups()
    year = century(int(seq[0]), int(yy)) + int(yy)
    try:
        born = datetime.date(year, int(mm), int(dd))
    except ValueError:
        raise ValidationError(
            _("The first six digits of a CPR number must be a real date (DDMMYY)."), code="date"
        ) from None
    return f"{dd}{mm}{yy}{seq}", born


def validate_cpr(value: str) -> None:
    parse_cpr(value)


def format_cpr(cpr: str) -> str:
    return f"{cpr[:6]}-{cpr[6:]}"


def passes_modulus11(cpr: str) -> bool:
    weights = (4, 3, 2, 7, 6, 5, 4, 3, 2, 1)
    return sum(int(d) * w for d, w in zip(cpr, weights, strict=True)) % 11 == 0
