"""Deadlines in the Europe/London calendar (SPEC §1).

"Due N working days after X" is the N-th England-and-Wales working day strictly after the London
date of X; "due N days after X" is that date plus N. A deadline breaches at 00:00 London on the
day after its due date, so the whole due date counts, whatever the clock change that week.
"""

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Literal
from zoneinfo import ZoneInfo

import holidays

LONDON = ZoneInfo("Europe/London")
Unit = Literal["working_days", "days"]

# England and Wales share one bank-holiday calendar; the library keeps it current
# (substitute days, one-off holidays such as coronations and jubilees).
_BANK_HOLIDAYS = holidays.country_holidays("GB", subdiv="ENG")


def london_date(moment: datetime) -> date:
    return moment.astimezone(LONDON).date()


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _BANK_HOLIDAYS


@lru_cache(maxsize=65536)
def add_working_days(start: date, count: int) -> date:
    day = start
    remaining = count
    while remaining > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return day


@lru_cache(maxsize=65536)
def breach_time(due: date) -> datetime:
    """00:00 Europe/London on the day after the due date, as a UTC instant."""
    return datetime.combine(due + timedelta(days=1), time(0), LONDON).astimezone(UTC)


@lru_cache(maxsize=262144)
def due_date(anchor: datetime, amount: int, unit: Unit) -> date:
    start = london_date(anchor)
    if unit == "working_days":
        return add_working_days(start, amount)
    return start + timedelta(days=amount)
