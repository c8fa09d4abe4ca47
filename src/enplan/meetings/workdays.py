"""Working days in Denmark: Monday to Friday except Danish public holidays (the `holidays`
library's calendar for DK, e.g. Store Bededag until 2023, Kristi himmelfart, Grundlovsdag)."""

import datetime
from functools import lru_cache

import holidays


@lru_cache(maxsize=16)
def _danish(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("DK", years=year)


def is_working_day(day: datetime.date) -> bool:
    return day.weekday() < 5 and day not in _danish(day.year)


def add_working_days(start: datetime.date, days: int) -> datetime.date:
    """The `days`-th working day after `start` (start itself does not count)."""
    day = start
    remaining = days
    while remaining > 0:
        day += datetime.timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return day
