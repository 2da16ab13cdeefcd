"""The caller's tags, counted over task_tags."""

from __future__ import annotations

from impl.auth.identity import Caller, revoked, sql_for
from impl.db.database import Connection
from impl.db.sql import cached

# (name, number of tasks) for each of the caller's tags, by name. Deleted tasks have no tags
# left, and one spelling stands for all: the smallest, compared byte-wise.
_COUNT = (
    "SELECT MIN(g.name), COUNT(*) FROM task_tags g WHERE g.owner_id = :caller_id AND {caller_valid}"
    " GROUP BY g.name_key ORDER BY g.name_key"
)
_CALLER_VALID = "SELECT 1 WHERE {caller_valid}"


async def count_tags(connection: Connection, caller: Caller) -> list[tuple[str, int]]:
    rows = await connection.fetch_all(cached(sql_for(_COUNT, caller)), caller.params)
    if not rows and await connection.fetch_one(cached(sql_for(_CALLER_VALID, caller)), caller.params) is None:
        raise revoked()
    return [(name, count) for name, count in rows]
