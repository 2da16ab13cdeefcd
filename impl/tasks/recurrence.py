"""Recurrence rules (RFC 5545 RRULE values), evaluated in UTC from a task's due date.

python-dateutil does the calendar arithmetic. What it does not do is refuse rules that are
useless or costly for a task list: rules with no next occurrence, rules firing more often
than hourly, and rules whose BYxxx parts can (almost) never match, for which dateutil walks
day by day to the year 9999 — many seconds of CPU for one request. Rules are therefore
checked part by part first, and every evaluation runs on a `_BoundedRule`.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from dateutil.rrule import rrule, rrulestr

FREQUENCIES = {"HOURLY": timedelta(hours=1), "DAILY": timedelta(days=1), "WEEKLY": timedelta(weeks=1)}
FREQUENCIES_WITHOUT_FIXED_PERIOD = {"MONTHLY", "YEARLY"}
# Part -> (smallest, largest) value of each comma-separated integer; None: checked by dateutil.
PARTS: dict[str, tuple[int, int] | None] = {
    "FREQ": None,
    "INTERVAL": (1, 1000),
    "COUNT": (1, 9_999),
    "UNTIL": None,
    "WKST": None,
    "BYDAY": None,
    "BYMONTH": (1, 12),
    "BYMONTHDAY": (-31, 31),
    "BYHOUR": (0, 23),
    "BYMINUTE": (0, 59),
    "BYSETPOS": (-366, 366),
}
SINGLE_VALUED = {"FREQ", "INTERVAL", "COUNT", "UNTIL", "WKST"}
INTEGER = re.compile(r"^[+-]?[0-9]{1,4}$")
# How far ahead an occurrence is looked for. Walking costs about one step per day for the
# sub-monthly frequencies, one per month or year for the others.
SCAN_YEARS = {"HOURLY": 10, "DAILY": 10, "WEEKLY": 10, "MONTHLY": 50, "YEARLY": 50}
MIN_GAP = timedelta(hours=1)
GAP_SAMPLE = 50


class InvalidRecurrence(ValueError):
    """The rule is malformed, unsupported, never recurs, or recurs more often than hourly."""


class _ScanLimitReached(Exception):
    pass


class _BoundedRule(rrule):
    """An rrule whose occurrence search gives up after SCAN_YEARS[FREQ] years.

    dateutil rebuilds its per-month masks (`_iterinfo.rebuild`) at least once for every month
    (YEARLY: every year) that it walks through, and each rebuild reads `_bynweekday` once or
    twice: counting those reads bounds the walk, whatever the rule.
    """

    _reads_left: int | None = None  # None while the constructor runs: no limit yet

    def limit_scan(self, frequency: str) -> _BoundedRule:
        years = SCAN_YEARS[frequency]
        self._reads_left = 2 * (years if frequency == "YEARLY" else 12 * years)
        return self

    @property
    def _bynweekday(self) -> Any:
        if self._reads_left is not None:
            self._reads_left -= 1
            if self._reads_left < 0:
                raise _ScanLimitReached
        return self.__dict__["_bynweekday_value"]

    @_bynweekday.setter
    def _bynweekday(self, value: Any) -> None:
        self.__dict__["_bynweekday_value"] = value


@dataclass(frozen=True)
class NextOccurrence:
    due_at: datetime
    # The rule for the occurrence after that one (COUNT reduced), or None if it is the last.
    recurrence: str | None


def normalize(text: str) -> dict[str, str]:
    """The rule's parts, upper-cased, after checking each one; raises InvalidRecurrence."""
    text = text.strip().upper().removeprefix("RRULE:")
    parts: dict[str, str] = {}
    for pair in text.split(";"):
        name, _, value = pair.partition("=")
        if name not in PARTS:
            raise InvalidRecurrence(f"{name} is not supported; use {', '.join(PARTS)}.")
        if name in parts:
            raise InvalidRecurrence(f"{name} is given twice.")
        if not value:
            raise InvalidRecurrence(f"{name} has no value.")
        parts[name] = value
        limits = PARTS[name]
        if limits is not None:
            _check_integers(name, value, limits, single=name in SINGLE_VALUED)
    if parts.get("FREQ") not in {*FREQUENCIES, *FREQUENCIES_WITHOUT_FIXED_PERIOD}:
        raise InvalidRecurrence("FREQ must be HOURLY, DAILY, WEEKLY, MONTHLY or YEARLY.")
    if "COUNT" in parts and "UNTIL" in parts:
        raise InvalidRecurrence("COUNT and UNTIL cannot be combined (RFC 5545).")
    return parts


def _check_integers(name: str, value: str, limits: tuple[int, int], *, single: bool) -> None:
    values = [value] if single else value.split(",")
    low, high = limits
    for item in values:
        if not INTEGER.match(item) or not low <= int(item) <= high or (int(item) == 0 and low < 0):
            raise InvalidRecurrence(f"{name} values must be integers from {low} to {high}.")


def text_of(parts: dict[str, str]) -> str:
    return ";".join(f"{name}={value}" for name, value in parts.items())


def _rule(parts: dict[str, str], anchor: datetime) -> _BoundedRule:
    try:
        parsed = rrulestr(text_of(parts), dtstart=anchor)
    except (ValueError, OverflowError, TypeError) as error:
        raise InvalidRecurrence(f"Invalid rule: {error}.") from error
    assert isinstance(parsed, rrule)
    try:
        return _BoundedRule(**_constructor_arguments(parsed)).limit_scan(parts["FREQ"])
    except (ValueError, OverflowError, TypeError) as error:
        raise InvalidRecurrence(f"Invalid rule: {error}.") from error


def _constructor_arguments(parsed: rrule) -> dict[str, Any]:
    # What rrule.replace() passes to the constructor, to rebuild the rule as a _BoundedRule.
    arguments: dict[str, Any] = {
        "freq": parsed._freq,  # type: ignore[attr-defined]
        "dtstart": parsed._dtstart,  # type: ignore[attr-defined]
        "interval": parsed._interval,  # type: ignore[attr-defined]
        "wkst": parsed._wkst,  # type: ignore[attr-defined]
        "count": parsed._count,  # type: ignore[attr-defined]
        "until": parsed._until,  # type: ignore[attr-defined]
    }
    arguments.update(parsed._original_rule)  # type: ignore[attr-defined]
    return arguments


def _first_after(parts: dict[str, str], anchor: datetime, moment: datetime) -> datetime | None:
    rule = _rule(parts, anchor)
    try:
        found: datetime | None = rule.after(moment)
    except (_ScanLimitReached, ValueError, OverflowError):
        return None
    return found


def validate(text: str, *, anchor: datetime) -> str:
    """The rule, normalized, if it is usable for a task due at `anchor`."""
    parts = normalize(text)
    if _first_after(parts, anchor, anchor) is None:
        years = SCAN_YEARS[parts["FREQ"]]
        raise InvalidRecurrence(f"The rule has no occurrence after due_at within {years} years.")
    rule = _rule(parts, anchor)
    try:
        sample = list(itertools.islice(rule, GAP_SAMPLE))
    except (_ScanLimitReached, ValueError, OverflowError):
        sample = []
    if any(later - earlier < MIN_GAP for earlier, later in itertools.pairwise(sample)):
        raise InvalidRecurrence("Occurrences must be at least an hour apart.")
    return text_of(parts)


def next_occurrence(text: str, *, anchor: datetime, after: datetime) -> NextOccurrence | None:
    """The first occurrence strictly after `after` of the rule anchored at `anchor`."""
    parts = normalize(text)
    remaining = None
    if "COUNT" in parts:
        rule = _rule(parts, anchor)
        try:
            done = sum(1 for _ in itertools.takewhile(lambda moment: moment <= after, rule))
        except (_ScanLimitReached, ValueError, OverflowError):
            return None
        remaining = int(parts["COUNT"]) - done
        if remaining < 1:
            return None
    else:
        anchor = _closer_anchor(parts, anchor, after)
    due_at = _first_after(parts, anchor, after)
    if due_at is None:
        return None
    following = dict(parts)
    if remaining is not None:
        following["COUNT"] = str(remaining)
    has_more = _first_after(following, due_at, due_at) is not None
    return NextOccurrence(due_at=due_at, recurrence=text_of(following) if has_more else None)


def _closer_anchor(parts: dict[str, str], anchor: datetime, after: datetime) -> datetime:
    """Move the anchor forward by whole periods, so that a long-overdue hourly task costs no
    more to evaluate than a fresh one. Without COUNT the occurrences after the new anchor
    are the same; months and years have no fixed length and are cheap to walk anyway."""
    period = FREQUENCIES.get(parts["FREQ"])
    if period is None or after <= anchor:
        return anchor
    step = period * int(parts.get("INTERVAL", "1"))
    try:
        return anchor + step * ((after - anchor) // step)
    except OverflowError:
        return anchor
