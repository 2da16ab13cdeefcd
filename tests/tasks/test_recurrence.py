"""Recurrence rules: what is accepted, and where the next occurrence falls."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from impl.tasks import recurrence
from impl.tasks.recurrence import InvalidRecurrence, next_occurrence, validate

ANCHOR = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)  # a Monday


@pytest.mark.parametrize(
    ("rule", "normalized"),
    [
        ("FREQ=DAILY", "FREQ=DAILY"),
        ("RRULE:freq=weekly;byday=mo,th", "FREQ=WEEKLY;BYDAY=MO,TH"),
        ("FREQ=HOURLY;INTERVAL=2", "FREQ=HOURLY;INTERVAL=2"),
        ("FREQ=MONTHLY;BYDAY=-1FR", "FREQ=MONTHLY;BYDAY=-1FR"),
        ("FREQ=MONTHLY;BYMONTHDAY=31", "FREQ=MONTHLY;BYMONTHDAY=31"),
        ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29", "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29"),
        ("FREQ=MONTHLY;BYDAY=5MO;BYMONTH=2", "FREQ=MONTHLY;BYDAY=5MO;BYMONTH=2"),  # every ~28 years
        ("FREQ=DAILY;COUNT=2", "FREQ=DAILY;COUNT=2"),
        ("FREQ=DAILY;UNTIL=20260301T000000Z", "FREQ=DAILY;UNTIL=20260301T000000Z"),
        ("FREQ=DAILY;BYHOUR=9,18;BYMINUTE=0", "FREQ=DAILY;BYHOUR=9,18;BYMINUTE=0"),
    ],
)
def test_accepted_rules(rule: str, normalized: str) -> None:
    assert validate(rule, anchor=ANCHOR) == normalized


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("FREQ=MINUTELY", "FREQ must be"),
        ("FREQ=SECONDLY", "FREQ must be"),
        ("INTERVAL=2", "FREQ must be"),
        ("FREQ=DAILY;BYSECOND=0", "BYSECOND is not supported"),
        ("FREQ=YEARLY;BYWEEKNO=1", "BYWEEKNO is not supported"),
        ("FREQ=YEARLY;BYYEARDAY=1", "BYYEARDAY is not supported"),
        ("FREQ=DAILY;BYEASTER=0", "BYEASTER is not supported"),
        ("FREQ=DAILY;DTSTART=20260101T000000Z", "DTSTART is not supported"),
        ("FREQ=DAILY;FREQ=WEEKLY", "given twice"),
        ("FREQ=DAILY;INTERVAL=0", "INTERVAL values"),
        ("FREQ=DAILY;INTERVAL=-1", "INTERVAL values"),
        ("FREQ=DAILY;INTERVAL=99999999", "INTERVAL values"),
        ("FREQ=DAILY;BYMONTHDAY=0", "BYMONTHDAY values"),
        ("FREQ=DAILY;BYHOUR=24", "BYHOUR values"),
        ("FREQ=DAILY;BYDAY=XX", "Invalid rule"),
        ("FREQ=DAILY;BYDAY=0MO", "Invalid rule"),
        ("FREQ=DAILY;UNTIL=20270101", "Invalid rule"),  # UNTIL must be UTC with a UTC anchor
        ("FREQ=DAILY;COUNT=3;UNTIL=20270101T000000Z", "cannot be combined"),
        ("FREQ=DAILY;COUNT=1", "no occurrence after due_at"),
        ("FREQ=DAILY;UNTIL=20250101T000000Z", "no occurrence after due_at"),
        ("FREQ=HOURLY;BYMINUTE=0,30", "at least an hour apart"),
        ("FREQ=DAILY;BYHOUR=9;BYMINUTE=0,59", "at least an hour apart"),
        ("FREQ=MONTHLY;BYMONTHDAY=31;BYMONTH=4,6,9,11", "no occurrence after due_at within 50 years"),
    ],
)
def test_refused_rules(rule: str, message: str) -> None:
    with pytest.raises(InvalidRecurrence, match=message):
        validate(rule, anchor=ANCHOR)


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30",
        "FREQ=HOURLY;BYMONTH=2;BYMONTHDAY=30",
        "FREQ=WEEKLY;BYMONTH=2;BYMONTHDAY=31",
        "FREQ=DAILY;INTERVAL=7;BYDAY=TU",  # every 7th day from a Monday is never a Tuesday
        "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30",
    ],
)
def test_rules_that_never_match_are_refused_without_walking_to_9999(rule: str) -> None:
    with pytest.raises(InvalidRecurrence, match="no occurrence after due_at"):
        validate(rule, anchor=ANCHOR)
    # dateutil alone walks day by day to the year 9999 (10+ seconds for the first two);
    # the scan limit stops the walk after SCAN_YEARS[FREQ] years instead.
    bounded = recurrence._rule(recurrence.normalize(rule), ANCHOR)
    with pytest.raises(recurrence._ScanLimitReached):
        bounded.after(ANCHOR)


def test_next_occurrence_is_after_the_later_of_due_and_now() -> None:
    weekly = "FREQ=WEEKLY;BYDAY=MO,TH"
    early = next_occurrence(weekly, anchor=ANCHOR, after=ANCHOR)
    assert early is not None
    assert early.due_at == datetime(2026, 1, 8, 9, 0, tzinfo=UTC)
    late = next_occurrence(weekly, anchor=ANCHOR, after=datetime(2026, 2, 10, 12, 0, tzinfo=UTC))
    assert late is not None
    assert late.due_at == datetime(2026, 2, 12, 9, 0, tzinfo=UTC)
    assert late.recurrence == weekly


def test_a_long_overdue_hourly_task_is_cheap_and_exact() -> None:
    anchor = datetime(1990, 1, 1, 0, 30, tzinfo=UTC)
    after = datetime(2026, 5, 5, 5, 45, tzinfo=UTC)
    found = next_occurrence("FREQ=HOURLY;INTERVAL=5", anchor=anchor, after=after)
    assert found is not None
    assert found.due_at > after
    assert (found.due_at - anchor) % timedelta(hours=5) == timedelta(0)
    assert found.due_at - after <= timedelta(hours=5)


def test_count_is_carried_over_and_the_last_occurrence_does_not_recur() -> None:
    first = next_occurrence("FREQ=DAILY;COUNT=3", anchor=ANCHOR, after=ANCHOR)
    assert first is not None
    assert (first.due_at, first.recurrence) == (ANCHOR + timedelta(days=1), "FREQ=DAILY;COUNT=2")
    assert first.recurrence is not None
    last = next_occurrence(first.recurrence, anchor=first.due_at, after=first.due_at)
    assert last is not None
    assert (last.due_at, last.recurrence) == (ANCHOR + timedelta(days=2), None)
    assert next_occurrence("FREQ=DAILY;COUNT=3", anchor=ANCHOR, after=ANCHOR + timedelta(days=5)) is None


def test_until_ends_the_series() -> None:
    rule = "FREQ=DAILY;UNTIL=20260107T090000Z"
    second = next_occurrence(rule, anchor=ANCHOR, after=ANCHOR)
    assert second is not None
    assert second.recurrence == rule
    third = next_occurrence(rule, anchor=ANCHOR, after=second.due_at)
    assert third is not None
    assert third.recurrence is None


def test_the_end_of_the_calendar_is_no_next_occurrence() -> None:
    end = datetime(9999, 6, 1, tzinfo=UTC)
    last = next_occurrence(
        "FREQ=YEARLY", anchor=datetime(9998, 6, 1, tzinfo=UTC), after=end - timedelta(days=1)
    )
    assert last is not None
    assert last.recurrence is None
    assert next_occurrence("FREQ=YEARLY", anchor=end, after=end) is None


def test_scan_limits_cover_every_frequency() -> None:
    assert set(recurrence.SCAN_YEARS) == {"HOURLY", "DAILY", "WEEKLY", "MONTHLY", "YEARLY"}
