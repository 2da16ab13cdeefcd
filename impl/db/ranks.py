"""Fractional ranks: the manual order of tasks among their siblings and of a user's lists.

A rank is a base-62 string (`0-9A-Za-z`, which sorts the same byte-wise on both databases);
siblings sorted by (rank, id) are in the order the user arranged. Moving an item computes one
new rank strictly between its new neighbours' ranks, so a move writes one row. New items get
a rank from the clock (microseconds since the epoch, 9 digits, plus a digit from the id), so
they come last without reading their siblings. When there is no room between two neighbours
(equal ranks, or a rank grown past MAX_LENGTH by many moves into one gap) the siblings are
given evenly spaced ranks again: a rebalance.

No rank ends in "0": between "a" and "a0" there would be no string, so keys never end with
the smallest digit (as in the fractional-indexing algorithm used by Figma and Replicache).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
BASE = len(DIGITS)
WIDTH = 9  # 62**9 microseconds is more than four centuries
MAX_LENGTH = 48
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_INDEX = {digit: index for index, digit in enumerate(DIGITS)}


def encode(number: int, width: int = WIDTH) -> str:
    digits = []
    for _ in range(width):
        number, digit = divmod(number, BASE)
        digits.append(DIGITS[digit])
    return "".join(reversed(digits))


def _micros(moment: datetime) -> int:
    return max(0, (moment - EPOCH) // timedelta(microseconds=1))


def clock_rank(moment: datetime, salt: uuid.UUID) -> str:
    """The rank of an item created (or put last) at `moment`."""
    return encode(_micros(moment) % BASE**WIDTH) + DIGITS[1 + salt.int % (BASE - 1)]


def between(before: str | None, after: str | None, *, now: datetime, salt: uuid.UUID) -> str | None:
    """A rank strictly between `before` and `after` (None: the start or the end), or None when
    there is no room and the siblings must be rebalanced."""
    if after is None:
        last = clock_rank(now, salt)
        if before is None or last > before:
            return last
    if before is not None and after is not None and before >= after:
        return None
    rank = _midpoint(before or "", after)
    return rank if len(rank) <= MAX_LENGTH else None


def spread(count: int, *, now: datetime) -> list[str]:
    """`count` evenly spaced ranks, in order, all before the clock rank of `now`."""
    top = _micros(now) % BASE**WIDTH
    step = max(1, top // (count + 1))
    return [encode(step * (index + 1)) + "V" for index in range(count)]


def _midpoint(low: str, high: str | None) -> str:
    if high is not None:
        common = 0
        while common < len(high) and (low[common] if common < len(low) else "0") == high[common]:
            common += 1
        if common > 0:
            return high[:common] + _midpoint(low[common:], high[common:])
    low_digit = _INDEX[low[0]] if low else 0
    high_digit = _INDEX[high[0]] if high else BASE
    if high_digit - low_digit > 1:
        return DIGITS[(low_digit + high_digit + 1) // 2]
    if high is not None and len(high) > 1:
        return high[:1]
    return DIGITS[low_digit] + _midpoint(low[1:], None)
