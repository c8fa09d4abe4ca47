"""Validators shared by every input path (pages, REST, admin): dates in a sane range and
digit codes in ASCII digits only.

Dates: a follow-up in year 9999 was accepted and then broke every page that computed with it
(a colleague's whole caseload answered 500). Every date or date-time a person or a system
types must lie between `EARLIEST` and `LATEST`; `core.forms.SaneDatesMixin` puts the check on
every date field of a form, and `SaneDate`/`SaneDateTime` on every API schema field.

Digits: Python's `\\d` and `str.isdigit()` accept Arabic-Indic, full-width and other Unicode
digits, so "١٢٣٤٥٦٧٨٩٠" passed as a CPR number and created a second citizen. Codes (CPR,
municipality, SOR, EAN) accept the ASCII digits 0–9 only.
"""

import datetime
import re
from typing import Annotated

from django.core.exceptions import ValidationError
from django.utils import formats
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _
from pydantic import AfterValidator

EARLIEST = datetime.date(1900, 1, 1)
LATEST = datetime.date(2100, 12, 31)


def _as_date(value: datetime.date | datetime.datetime) -> datetime.date:
    return value.date() if isinstance(value, datetime.datetime) else value


def validate_sane_date(value: datetime.date | datetime.datetime | None) -> None:
    """Refuse a date (or the day of a date-time) outside EARLIEST..LATEST."""
    if value is None:
        return
    if not EARLIEST <= _as_date(value) <= LATEST:
        raise ValidationError(
            _("Enter a date between %(earliest)s and %(latest)s."),
            code="date_range",
            params={
                "earliest": formats.date_format(EARLIEST, "d.m.Y"),
                "latest": formats.date_format(LATEST, "d.m.Y"),
            },
        )


def _schema_date(value):
    try:
        validate_sane_date(value)
    except ValidationError as e:
        raise ValueError(e.messages[0]) from None
    return value


# For API schemas (Django Ninja / pydantic): the same rule as the forms.
SaneDate = Annotated[datetime.date, AfterValidator(_schema_date)]
SaneDateTime = Annotated[datetime.datetime, AfterValidator(_schema_date)]

_ASCII_DIGITS = re.compile(r"[0-9]*", re.ASCII)


def is_ascii_digits(value: str) -> bool:
    return bool(_ASCII_DIGITS.fullmatch(value or ""))


@deconstructible
class AsciiDigitsValidator:
    """Exactly `min_length`..`max_length` ASCII digits (0–9); nothing else."""

    def __init__(self, min_length: int, max_length: int, message) -> None:
        self.min_length, self.max_length, self.message = min_length, max_length, message

    def __call__(self, value: str) -> None:
        if not (is_ascii_digits(value) and self.min_length <= len(value or "") <= self.max_length):
            raise ValidationError(self.message, code="digits")

    def __eq__(self, other) -> bool:
        return isinstance(other, AsciiDigitsValidator) and (
            self.min_length,
            self.max_length,
            self.message,
        ) == (other.min_length, other.max_length, other.message)


municipality_code_validator = AsciiDigitsValidator(
    3, 4, _("A municipality code is 3 or 4 digits (0–9).")
)
sor_code_validator = AsciiDigitsValidator(6, 18, _("A SOR code is 6 to 18 digits (0–9)."))
ean_validator = AsciiDigitsValidator(13, 13, _("An EAN location number is 13 digits (0–9)."))
