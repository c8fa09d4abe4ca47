import datetime

import pytest
from django.core.exceptions import ValidationError

from enplan.core.cpr import century, format_cpr, parse_cpr, passes_modulus11


@pytest.mark.parametrize(
    ("cpr", "born"),
    [
        ("0101900123", datetime.date(1990, 1, 1)),  # 7th digit 0-3: 1900s
        ("311299-3001", datetime.date(1999, 12, 31)),
        ("010105-4001", datetime.date(2005, 1, 1)),  # 4 and year <= 36: 2000s
        ("010150-4001", datetime.date(1950, 1, 1)),  # 4 and year > 36: 1900s
        ("010110-5001", datetime.date(2010, 1, 1)),  # 5-8 and year <= 57: 2000s
        ("010170-6001", datetime.date(1870, 1, 1)),  # 5-8 and year > 57: 1800s
        ("290220-9001", datetime.date(2020, 2, 29)),  # 9 and year <= 36: 2000s, leap day
        ("010160-9001", datetime.date(1960, 1, 1)),
    ],
)
def test_century_and_birth_date(cpr, born):
    normalised, parsed = parse_cpr(cpr)
    assert parsed == born
    assert normalised == cpr.replace("-", "")


def test_modulus_11_is_not_required():
    cpr = "0101900124"
    assert not passes_modulus11(cpr)
    assert parse_cpr(cpr)[0] == cpr


@pytest.mark.parametrize("bad", ["", "12345", "01019001234", "0101AB0123", "01-01-90-0123"])
def test_bad_format(bad):
    with pytest.raises(ValidationError) as e:
        parse_cpr(bad)
    assert e.value.code == "format"


@pytest.mark.parametrize("bad", ["3201900123", "0013900123", "2902010123", "000000-0000"])
def test_impossible_date(bad):
    with pytest.raises(ValidationError) as e:
        parse_cpr(bad)
    assert e.value.code == "date"


def test_error_never_echoes_the_number():
    with pytest.raises(ValidationError) as e:
        parse_cpr("3201901234")
    assert "3201901234" not in " ".join(e.value.messages)


def test_helpers():
    assert century(3, 99) == 1900
    assert format_cpr("0101900123") == "010190-0123"
