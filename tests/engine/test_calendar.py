from datetime import UTC, date, datetime

import pytest

from casewatch.engine.calendar import add_working_days, breach_time, due_date, is_working_day


@pytest.mark.parametrize(
    ("start", "count", "expected"),
    [
        (date(2025, 7, 1), 5, date(2025, 7, 8)),  # Tue → the next Tue over a weekend
        (date(2025, 7, 5), 1, date(2025, 7, 7)),  # from a Saturday: Monday is the first
        (date(2025, 4, 17), 1, date(2025, 4, 22)),  # Good Friday and Easter Monday skipped
        (date(2025, 8, 22), 1, date(2025, 8, 26)),  # late-summer bank holiday skipped
        (date(2025, 12, 24), 1, date(2025, 12, 29)),  # Christmas and Boxing Day skipped
        (date(2026, 12, 24), 1, date(2026, 12, 29)),  # Boxing Day on Saturday: substitute Mon 28
        (date(2025, 5, 2), 1, date(2025, 5, 6)),  # early May bank holiday
        (date(2025, 7, 1), 20, date(2025, 7, 29)),
    ],
)
def test_working_days_skip_weekends_and_england_and_wales_bank_holidays(
    start: date, count: int, expected: date
) -> None:
    assert add_working_days(start, count) == expected


def test_scottish_only_holidays_are_working_days() -> None:
    assert is_working_day(date(2025, 1, 2))  # 2 January is a holiday in Scotland only
    assert is_working_day(date(2025, 8, 4))  # Scotland's summer bank holiday


@pytest.mark.parametrize(
    ("due", "expected_utc"),
    [
        (date(2025, 7, 8), datetime(2025, 7, 8, 23, 0, tzinfo=UTC)),  # BST: midnight is 23:00Z
        (date(2025, 1, 8), datetime(2025, 1, 9, 0, 0, tzinfo=UTC)),  # GMT
        (date(2025, 3, 29), datetime(2025, 3, 30, 0, 0, tzinfo=UTC)),  # clocks go forward at 1am
        (date(2025, 3, 30), datetime(2025, 3, 30, 23, 0, tzinfo=UTC)),
        (date(2025, 10, 25), datetime(2025, 10, 25, 23, 0, tzinfo=UTC)),  # still BST at 0:00
        (date(2025, 10, 26), datetime(2025, 10, 27, 0, 0, tzinfo=UTC)),  # back to GMT
    ],
)
def test_breach_time_is_london_midnight_after_the_due_date(due: date,
                                                           expected_utc: datetime) -> None:
    assert breach_time(due) == expected_utc


def test_due_date_counts_from_the_london_date_of_the_anchor() -> None:
    # 23:30 UTC on 1 July is 00:30 on 2 July in London (BST).
    late_evening = datetime(2025, 7, 1, 23, 30, tzinfo=UTC)
    assert due_date(late_evening, 1, "days") == date(2025, 7, 3)
    assert due_date(late_evening, 1, "working_days") == date(2025, 7, 3)
    # In winter London is on UTC: the same clock time stays on 1 January.
    assert due_date(datetime(2025, 1, 1, 23, 30, tzinfo=UTC), 1, "days") == date(2025, 1, 2)
