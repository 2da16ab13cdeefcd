"""The statements on the caller's lists, scoped like the task statements (owner_id and, where
they read, the caller's validity check): another user's list and a missing list look alike.
Writes lock the list (and the caller's tree, impl/tasks/tree.py's owner lock) first."""

from __future__ import annotations

import uuid
from datetime import datetime
from functools import lru_cache
from typing import Any

from impl.auth.identity import EXTERNAL_CALLER_VALID, LOCAL_CALLER_VALID, Caller
from impl.db.database import Connection
from impl.db.sql import Dialect, Params, Query, Step

# The most lists a user may have.
MAX_LISTS = 500
LIST_COLUMNS = (
    "l.id, l.name, l.color, l.rank, l.version, l.created_at, l.updated_at, l.deleted_at,"
    " (SELECT COUNT(*) FROM tasks t WHERE t.owner_id = l.owner_id AND t.list_id = l.id"
    " AND t.deleted_at IS NULL AND t.completed = false),"
    " (SELECT COUNT(*) FROM tasks t WHERE t.owner_id = l.owner_id AND t.list_id = l.id"
    " AND t.deleted_at IS NULL AND t.completed = true)"
)
_LOCK = {"postgresql": " FOR UPDATE OF l", "sqlite": ""}


@lru_cache(maxsize=128)
def _compiled(template: str, dialect: Dialect, external: bool) -> Query:
    text = (
        template.replace("{columns}", LIST_COLUMNS)
        .replace("{caller_valid}", EXTERNAL_CALLER_VALID if external else LOCAL_CALLER_VALID)
        .replace("{lock}", _LOCK[dialect])
    )
    return Query.of(text)


def list_query(template: str, connection: Connection, caller: Caller) -> Query:
    return _compiled(template, connection.dialect, caller.is_external)


_GET = (
    "SELECT {columns} FROM (SELECT 1) AS one"
    " LEFT JOIN lists l ON l.id = :list_id AND l.owner_id = :caller_id AND l.deleted_at IS NULL"
    " WHERE {caller_valid}"
)
# Locked without the counts (aggregates cannot be locked FOR UPDATE); read again to answer.
_LOCK_LIST = (
    "SELECT l.id, l.name, l.color, l.rank, l.version, l.created_at, l.updated_at, l.deleted_at, 0, 0"
    " FROM lists l WHERE l.id = :list_id AND l.owner_id = :caller_id AND l.deleted_at IS NULL"
    " AND {caller_valid}{lock}"
)
_PAGE = "SELECT {columns} FROM lists l WHERE l.owner_id = :caller_id AND {caller_valid}{where}"
_COUNT = Query.of("SELECT COUNT(*) FROM lists WHERE owner_id = :owner_id AND deleted_at IS NULL")
_NAME_TAKEN = Query.of(
    "SELECT id FROM lists WHERE owner_id = :owner_id AND name_key = :name_key AND deleted_at IS NULL"
)
INSERT = Query.of(
    "INSERT INTO lists (id, owner_id, name, name_key, color, rank, version, created_at, updated_at)"
    " VALUES (:id, :owner_id, :name, :name_key, :color, :rank, 1, :now, :now)"
)
UPDATE = Query.of(
    "UPDATE lists SET name = :name, name_key = :name_key, color = :color, rank = :rank,"
    " version = :version, updated_at = :now, deleted_at = :deleted_at"
    " WHERE id = :list_id AND owner_id = :owner_id"
)
REBALANCE = Query.of(
    "UPDATE lists SET rank = :rank, version = version + 1, updated_at = :now"
    " WHERE id = :id AND owner_id = :owner_id"
)
# DELETE ...?tasks=inbox: the list's tasks (subtasks included) go to the inbox.
TASKS_TO_INBOX = Query.of(
    "UPDATE tasks SET list_id = NULL, version = version + 1, updated_at = :now"
    " WHERE owner_id = :owner_id AND list_id = :list_id AND deleted_at IS NULL"
)
# DELETE ...?tasks=delete: the list's tasks become tombstones (as a task delete leaves them).
DELETE_TASK_TAGS = Query.of(
    "DELETE FROM task_tags WHERE owner_id = :owner_id AND task_id IN"
    " (SELECT id FROM tasks WHERE owner_id = :owner_id AND list_id = :list_id AND deleted_at IS NULL)"
)
DELETE_TASKS = Query.of(
    "UPDATE tasks SET title = '', description = NULL, priority = 0, due_at = NULL, remind_at = NULL,"
    " recurrence = NULL, title_key = '', search_key = :empty_search_key, version = version + 1,"
    " updated_at = :now, deleted_at = :now"
    " WHERE owner_id = :owner_id AND list_id = :list_id AND deleted_at IS NULL"
)
_NEIGHBOUR = (
    "SELECT l.rank FROM lists l WHERE l.owner_id = :owner_id AND l.deleted_at IS NULL"
    " AND l.id <> :list_id{seek} ORDER BY l.rank {direction}, l.id {direction} LIMIT 1"
)
_ANCHOR = Query.of(
    "SELECT l.rank FROM lists l WHERE l.id = :anchor_id AND l.owner_id = :owner_id AND l.deleted_at IS NULL"
)
_SIBLINGS = Query.of(
    "SELECT l.id FROM lists l WHERE l.owner_id = :owner_id AND l.deleted_at IS NULL AND l.id <> :list_id"
    " ORDER BY l.rank, l.id"
)
_PURGE = Query.of("DELETE FROM lists WHERE deleted_at < :deleted_before")

Row = tuple[Any, ...]


def get_step(connection: Connection, caller: Caller, *, list_id: uuid.UUID) -> Step:
    """The caller's live list with its counts; a row of NULLs if it is not the caller's, no
    row if the caller is no longer valid."""
    return Step(list_query(_GET, connection, caller), {**caller.params, "list_id": list_id})


def lock_step(connection: Connection, caller: Caller, *, list_id: uuid.UUID) -> Step:
    return Step(list_query(_LOCK_LIST, connection, caller), {**caller.params, "list_id": list_id})


def page_step(
    connection: Connection,
    caller: Caller,
    *,
    after: tuple[str, uuid.UUID] | None,
    updated_since: datetime | None,
    limit: int,
) -> Step:
    params: Params = {**caller.params, "limit": limit}
    where = ""
    if updated_since is None:
        where += " AND l.deleted_at IS NULL"
    else:
        where += " AND l.updated_at >= :updated_since"
        params["updated_since"] = updated_since
    if after is not None:
        where += " AND (l.rank, l.id) > (:after_rank, :after_id)"
        params["after_rank"], params["after_id"] = after
    template = _PAGE.replace("{where}", where + " ORDER BY l.rank, l.id LIMIT :limit")
    return Step(list_query(template, connection, caller), params)


def count_step(owner_id: uuid.UUID) -> Step:
    return Step(_COUNT, {"owner_id": owner_id})


def name_taken_step(owner_id: uuid.UUID, name_key: str) -> Step:
    return Step(_NAME_TAKEN, {"owner_id": owner_id, "name_key": name_key})


async def anchor_rank(connection: Connection, *, owner_id: uuid.UUID, anchor_id: uuid.UUID) -> str | None:
    row = await connection.fetch_one(_ANCHOR, {"anchor_id": anchor_id, "owner_id": owner_id})
    return None if row is None else str(row[0])


async def neighbour_rank(
    connection: Connection,
    *,
    owner_id: uuid.UUID,
    list_id: uuid.UUID,
    anchor: tuple[str, uuid.UUID] | None,
    before: bool,
) -> str | None:
    """The rank of the list next to `anchor` (after it, or before it when `before`), or of the
    last list when there is no anchor; the moving list itself does not count."""
    params: Params = {"owner_id": owner_id, "list_id": list_id}
    seek = ""
    if anchor is not None:
        seek = f" AND (l.rank, l.id) {'<' if before else '>'} (:anchor_rank, :anchor_id)"
        params["anchor_rank"], params["anchor_id"] = anchor
    direction = "DESC" if before or anchor is None else "ASC"
    text = _NEIGHBOUR.replace("{seek}", seek).replace("{direction}", direction)
    row = await connection.fetch_one(Query.of(text), params)
    return None if row is None else str(row[0])


async def sibling_ids(connection: Connection, *, owner_id: uuid.UUID, list_id: uuid.UUID) -> list[Any]:
    return [
        row[0] for row in await connection.fetch_all(_SIBLINGS, {"owner_id": owner_id, "list_id": list_id})
    ]


async def purge_tombstones(connection: Connection, *, deleted_before: datetime) -> int:
    """Forget lists deleted before the cut-off (every owner's: a maintenance job)."""
    return await connection.execute(_PURGE, {"deleted_before": deleted_before})
