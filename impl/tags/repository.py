"""The caller's tags, counted over task_tags, a page at a time."""

from __future__ import annotations

from impl.auth.identity import Caller, revoked, sql_for
from impl.db.database import Connection
from impl.db.sql import cached

# (name, key, number of tasks) for the caller's tags, by key, from the first key after :after
# (when the page is not the first). Deleted tasks have no tags left, and one spelling stands
# for all: the smallest, compared byte-wise.
_COUNT = (
    "SELECT MIN(g.name), g.name_key, COUNT(*) FROM task_tags g"
    " WHERE g.owner_id = :caller_id AND {caller_valid}{after}"
    " GROUP BY g.name_key ORDER BY g.name_key LIMIT :limit"
)
_AFTER = " AND g.name_key > :after"
_CALLER_VALID = "SELECT 1 WHERE {caller_valid}"


async def count_tags(
    connection: Connection, caller: Caller, *, after: str | None, limit: int
) -> list[tuple[str, str, int]]:
    template = _COUNT.replace("{after}", _AFTER if after is not None else "")
    params = {**caller.params, "limit": limit, **({"after": after} if after is not None else {})}
    rows = await connection.fetch_all(cached(sql_for(template, caller)), params)
    if not rows and await connection.fetch_one(cached(sql_for(_CALLER_VALID, caller)), caller.params) is None:
        raise revoked()
    return [(name, key, count) for name, key, count in rows]
