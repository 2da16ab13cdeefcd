"""Rows to response models: the one place that decides what a task looks like on the wire."""

from __future__ import annotations

import json

from generated.models import Task, TaskTombstone
from impl.db.tables import TaskRow
from impl.http.conditional import etag
from impl.tasks.fields import PRIORITY_NAMES


def task_response(row: TaskRow, tags: list[str]) -> Task:
    return Task(
        object="task",
        id=row.id,
        title=row.title,
        description=row.description,
        completed=row.completed,
        completed_at=row.completed_at,
        priority=PRIORITY_NAMES[row.priority],
        tags=tags,
        due_at=row.due_at,
        remind_at=row.remind_at,
        recurrence=row.recurrence,
        next_occurrence_id=row.next_occurrence_id,
        etag=etag(row.version),
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def tombstone_response(row: TaskRow) -> TaskTombstone:
    assert row.deleted_at is not None
    return TaskTombstone(object="task_tombstone", id=row.id, deleted=True, deleted_at=row.deleted_at)


def stored_task_response(body: str) -> Task:
    """A task response stored for an Idempotency-Key replay; one stored before tasks had an
    `object` member gets it, so a replay matches the contract as it is now."""
    document = json.loads(body)
    document.setdefault("object", "task")
    return Task.model_validate(document)
