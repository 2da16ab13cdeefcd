"""The statements on the caller's tasks. Each is scoped to the caller (owner_id and, where it
reads, the caller's validity check), so another user's task and a missing task look alike.

Writes lock what they change: a unit of work reads the task `FOR UPDATE` (on SQLite the
transaction's write lock does the same), decides in Python, and sends its statements with
COMMIT in one round trip. Conditional requests (If-Match) compare with the locked version.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from functools import lru_cache

from impl.auth.identity import EXTERNAL_CALLER_VALID, LOCAL_CALLER_VALID, Caller, revoked
from impl.db.database import Connection, Row
from impl.db.sql import Dialect, Params, Query, Step, StepResult
from impl.tasks.fields import tag_key
from impl.tasks.responses import TASK_COLUMNS

_LOCK = {"postgresql": " FOR UPDATE OF t", "sqlite": ""}


@lru_cache(maxsize=256)
def _compiled(template: str, dialect: Dialect, external: bool) -> Query:
    text = (
        template.replace("{columns}", TASK_COLUMNS[dialect])
        .replace("{caller_valid}", EXTERNAL_CALLER_VALID if external else LOCAL_CALLER_VALID)
        .replace("{lock}", _LOCK[dialect])
    )
    return Query.of(text)


def task_query(template: str, connection: Connection | Dialect, caller: Caller) -> Query:
    """A statement template with the task columns, the caller's check and the row lock of
    this connection's database filled in (compiled once per shape)."""
    dialect = connection if isinstance(connection, str) else connection.dialect
    return _compiled(template, dialect, caller.is_external)


_GET = (
    "SELECT {columns} FROM (SELECT 1) AS one"
    " LEFT JOIN tasks t ON t.id = :task_id AND t.owner_id = :caller_id AND t.deleted_at IS NULL"
    " WHERE {caller_valid}"
)
_LOCK_TASK = (
    "SELECT {columns} FROM tasks t WHERE t.id = :task_id AND t.owner_id = :caller_id"
    " AND t.deleted_at IS NULL AND {caller_valid}{lock}"
)
_LOCK_TASKS = (
    "SELECT {columns} FROM tasks t WHERE t.owner_id = :caller_id AND t.id IN ({ids})"
    " AND t.deleted_at IS NULL AND {caller_valid} ORDER BY t.id{lock}"
)
_CALLER_VALID = "SELECT 1 WHERE {caller_valid}"
_INSERT = (
    "INSERT INTO tasks (id, owner_id, title, description, completed, completed_at, priority,"
    " due_at, remind_at, recurrence, next_occurrence_id, title_key, search_key, version,"
    " created_at, updated_at, list_id, parent_id, rank)"
    " SELECT :id, :caller_id, :title, :description, :completed, :completed_at, :priority,"
    " :due_at, :remind_at, :recurrence, :next_occurrence_id, :title_key, :search_key, 1, :now, :now,"
    " :list_id, :parent_id, :rank"
    " WHERE {caller_valid}"
)
UPDATE = Query.of(
    "UPDATE tasks SET title = :title, description = :description, priority = :priority,"
    " due_at = :due_at, remind_at = :remind_at, recurrence = :recurrence,"
    " title_key = :title_key, search_key = :search_key, completed = :completed,"
    " completed_at = :completed_at, next_occurrence_id = :next_occurrence_id,"
    " version = :version, updated_at = :now, deleted_at = :deleted_at,"
    " list_id = :list_id, parent_id = :parent_id, rank = :rank"
    " WHERE id = :task_id AND owner_id = :owner_id"
)
DELETE_TAGS = Query.of("DELETE FROM task_tags WHERE task_id = :task_id AND owner_id = :owner_id")
# Guarded: a tag is only written for a task that the same transaction could write.
INSERT_TAG = Query.of(
    "INSERT INTO task_tags (task_id, name_key, owner_id, name)"
    " SELECT :task_id, :name_key, :owner_id, :name"
    " WHERE EXISTS (SELECT 1 FROM tasks WHERE id = :task_id AND owner_id = :owner_id)"
)
_PURGE = Query.of("DELETE FROM tasks WHERE deleted_at < :deleted_before")


async def get_task(connection: Connection, caller: Caller, *, task_id: uuid.UUID) -> Row | None:
    """The caller's live task, or None; 401 if the caller is no longer valid. One round trip."""
    row = await connection.fetch_one(
        task_query(_GET, connection, caller), {**caller.params, "task_id": task_id}
    )
    if row is None:
        raise revoked()
    return row if row[0] is not None else None


def lock_step(connection: Connection, caller: Caller, *, task_id: uuid.UUID) -> Step:
    """The caller's live task, locked until the transaction ends: no row back means not
    found, or a caller no longer valid (`ensure_valid` tells which)."""
    return Step(task_query(_LOCK_TASK, connection, caller), {**caller.params, "task_id": task_id})


async def lock_tasks(connection: Connection, caller: Caller, *, task_ids: Iterable[uuid.UUID]) -> list[Row]:
    """The caller's live tasks among `task_ids`, locked until the transaction ends (in id
    order, so that two writers cannot deadlock). 401 if none is found because the caller is
    no longer valid."""
    ids = sorted(set(task_ids))
    names = [f"id{index}" for index in range(len(ids))]
    template = _LOCK_TASKS.replace("{ids}", ", ".join(f":{name}" for name in names))
    params: Params = {**caller.params, **dict(zip(names, ids, strict=True))}
    rows = await connection.fetch_all(task_query(template, connection, caller), params)
    if not rows:
        await ensure_valid(connection, caller)
    return rows


async def ensure_valid(connection: Connection, caller: Caller) -> None:
    """401 unless the caller's user and login session are still valid (for queries whose
    empty answer cannot tell "nothing of yours" from "you are not valid")."""
    if await connection.fetch_one(task_query(_CALLER_VALID, connection, caller), caller.params) is None:
        raise revoked()


class TaskInsert(Step):
    """An INSERT of a task, guarded by the caller's check: it inserts nothing for a caller
    who is no longer valid (see `check_inserts`)."""

    __slots__ = ()


def insert(connection: Connection, caller: Caller, values: Params) -> TaskInsert:
    return TaskInsert(task_query(_INSERT, connection, caller), {**caller.params, **values})


def check_inserts(steps: Sequence[Step], results: Sequence[StepResult]) -> None:
    """401 if a guarded INSERT inserted nothing: the caller was not valid, and nothing that
    depends on the new task was written either (tag inserts are guarded the same way)."""
    for step, result in zip(steps, results, strict=True):
        if isinstance(step, TaskInsert) and result.rowcount != 1:
            raise revoked()


def tag_rows(*, task_id: uuid.UUID, owner_id: uuid.UUID, names: Sequence[str]) -> list[Params]:
    return [
        {"task_id": task_id, "owner_id": owner_id, "name": name, "name_key": tag_key(name)} for name in names
    ]


async def purge_tombstones(connection: Connection, *, deleted_before: datetime) -> int:
    """Forget tasks deleted before the cut-off (every owner's: a maintenance job)."""
    return await connection.execute(_PURGE, {"deleted_before": deleted_before})
