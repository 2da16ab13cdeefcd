"""What a task looks like on the wire, built once from its row: the one place that decides it.

Task queries select TASK_COLUMNS; `task_json` turns such a row into the `Task` schema's JSON
object and `tombstone_json` a deleted one into `TaskTombstone`. Bodies are serialised with
orjson straight from these dicts: no model is built and validated again for data that comes
from our own tables (tests/tasks/test_wire_shapes.py checks the shapes against openapi.yaml).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from fastapi import Response

from impl.db.sql import Dialect
from impl.tasks.fields import PRIORITY_NAMES

JSON_MEDIA_TYPE = "application/json"

_TAGS = {
    "postgresql": "ARRAY(SELECT g.name FROM task_tags g WHERE g.task_id = t.id ORDER BY g.name_key)",
    "sqlite": "(SELECT json_group_array(g.name) FROM task_tags g WHERE g.task_id = t.id)",
}
_COLUMNS = (
    "t.id, t.title, t.description, t.completed, t.completed_at, t.priority, t.due_at, t.remind_at,"
    " t.recurrence, t.next_occurrence_id, t.version, t.created_at, t.updated_at, t.deleted_at,"
    " t.title_key, {tags}, t.list_id, t.parent_id, t.rank,"
    " (SELECT COUNT(*) FROM tasks s WHERE s.owner_id = t.owner_id AND s.parent_id = t.id"
    " AND s.deleted_at IS NULL),"
    " (SELECT COUNT(*) FROM tasks s WHERE s.owner_id = t.owner_id AND s.parent_id = t.id"
    " AND s.deleted_at IS NULL AND s.completed = true)"
)
# The number of columns: StoredTask has one field per column.
COLUMN_COUNT = 21
TASK_COLUMNS: dict[Dialect, str] = {
    "postgresql": _COLUMNS.format(tags=_TAGS["postgresql"]),
    "sqlite": _COLUMNS.format(tags=_TAGS["sqlite"]),
}
Row = tuple[Any, ...]


def tags_of(value: Any) -> list[str]:
    """PostgreSQL answers an array in the tags' order; SQLite a JSON array, sorted here the
    way name_key sorts (case-folded, compared by code point)."""
    if isinstance(value, list):
        return value
    return sorted(json.loads(value or "[]"), key=str.casefold)


@dataclass(frozen=True, slots=True)
class StoredTask:
    """A task row, for the write paths that reason about it."""

    id: uuid.UUID
    title: str
    description: str | None
    completed: bool
    completed_at: datetime | None
    priority: int
    due_at: datetime | None
    remind_at: datetime | None
    recurrence: str | None
    next_occurrence_id: uuid.UUID | None
    version: int
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None
    title_key: str
    tags: list[str]
    list_id: uuid.UUID | None
    parent_id: uuid.UUID | None
    rank: str
    subtask_count: int
    completed_subtask_count: int

    @classmethod
    def from_row(cls, row: Row) -> StoredTask:
        """A row of TASK_COLUMNS, in their order."""
        (
            task_id,
            title,
            description,
            completed,
            completed_at,
            priority,
            due_at,
            remind_at,
            recurrence,
            next_occurrence_id,
            version,
            created_at,
            updated_at,
            deleted_at,
            title_key,
            tags,
            list_id,
            parent_id,
            rank,
            subtask_count,
            completed_subtask_count,
        ) = row
        return cls(
            id=task_id,
            title=title,
            description=description,
            completed=bool(completed),
            completed_at=completed_at,
            priority=priority,
            due_at=due_at,
            remind_at=remind_at,
            recurrence=recurrence,
            next_occurrence_id=next_occurrence_id,
            version=version,
            created_at=created_at,
            updated_at=updated_at,
            deleted_at=deleted_at,
            title_key=title_key,
            tags=tags_of(tags),
            list_id=list_id,
            parent_id=parent_id,
            rank=rank,
            subtask_count=subtask_count or 0,
            completed_subtask_count=completed_subtask_count or 0,
        )


def task_json(row: Row) -> dict[str, Any]:
    (
        task_id,
        title,
        description,
        completed,
        completed_at,
        priority,
        due_at,
        remind_at,
        recurrence,
        next_occurrence_id,
        version,
        created_at,
        updated_at,
        deleted_at,
        _title_key,
        tags,
        list_id,
        parent_id,
        rank,
        subtask_count,
        completed_subtask_count,
    ) = row
    # `object` is the contract's discriminator between a task and a tombstone (TaskPageItem).
    if deleted_at is not None:
        return {"object": "task_tombstone", "id": task_id, "deleted": True, "deleted_at": deleted_at}
    return {
        "object": "task",
        "id": task_id,
        "title": title,
        "description": description,
        "completed": bool(completed),
        "completed_at": completed_at,
        "priority": PRIORITY_NAMES[priority],
        "tags": tags_of(tags),
        "due_at": due_at,
        "remind_at": remind_at,
        "recurrence": recurrence,
        "next_occurrence_id": next_occurrence_id,
        "list_id": list_id,
        "parent_id": parent_id,
        "position": rank,
        "subtask_count": subtask_count or 0,
        "completed_subtask_count": completed_subtask_count or 0,
        "etag": f'"{version}"',
        "created_at": created_at,
        "updated_at": updated_at,
    }


def stored_json(task: StoredTask) -> dict[str, Any]:
    return task_json(
        (
            task.id,
            task.title,
            task.description,
            task.completed,
            task.completed_at,
            task.priority,
            task.due_at,
            task.remind_at,
            task.recurrence,
            task.next_occurrence_id,
            task.version,
            task.created_at,
            task.updated_at,
            task.deleted_at,
            task.title_key,
            task.tags,
            task.list_id,
            task.parent_id,
            task.rank,
            task.subtask_count,
            task.completed_subtask_count,
        )
    )


def dumps(document: Any) -> bytes:
    # OPT_UTC_Z: "2026-01-19T18:00:00Z", as pydantic writes UTC date-times elsewhere in the API.
    body: bytes = orjson.dumps(document, option=orjson.OPT_UTC_Z)
    return body


def json_response(document: Any, *, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(dumps(document), status_code=status, headers=headers, media_type=JSON_MEDIA_TYPE)


def replayable(body: bytes | str) -> bytes:
    """A task response stored for an Idempotency-Key replay. One stored before tasks had
    `object` gets it, so that a replay matches the contract as it is now."""
    raw = body.encode() if isinstance(body, str) else body
    if raw.startswith(b'{"object":'):
        return raw
    document = orjson.loads(raw)
    if isinstance(document, dict) and "object" not in document:
        return dumps({"object": "task", **document})
    return raw
