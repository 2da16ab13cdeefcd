"""Rows to response models: the one place that decides what a task looks like on the wire."""

from __future__ import annotations

from generated.models import Task, TaskTombstone
from impl.db.tables import TaskRow
from impl.http.conditional import etag
from impl.tasks.fields import PRIORITY_NAMES


def task_response(row: TaskRow, tags: list[str]) -> Task:
    return Task(
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
    return TaskTombstone(id=row.id, deleted=True, deleted_at=row.deleted_at)
