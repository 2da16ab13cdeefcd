"""The one place where a task write becomes change-log entries (and keeps the task's reminder
in step): extra statements appended to the write's own, committed with it in one transaction.
Lists (issue 12) hook their writes in the same way, with `list.*` kinds.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from impl.changes.log import append_steps
from impl.changes.reminder_state import reminder_steps
from impl.db.database import Connection
from impl.db.sql import Step
from impl.tasks.responses import StoredTask, dumps, stored_json

TASK_CREATED = "task.created"
TASK_UPDATED = "task.updated"
TASK_COMPLETED = "task.completed"
TASK_DELETED = "task.deleted"


def kind_of(before: StoredTask | None, after: StoredTask) -> str:
    if before is None:
        return TASK_CREATED
    if after.deleted_at is not None:
        return TASK_DELETED
    if after.completed and not before.completed:
        return TASK_COMPLETED
    return TASK_UPDATED


def logged_steps(
    connection: Connection,
    *,
    owner_id: uuid.UUID,
    before: StoredTask | None,
    after: StoredTask,
    spawned: StoredTask | None,
    now: datetime,
) -> list[Step]:
    """Reminder statements first, then the log's (every writer takes the locks in that order:
    a task's reminder row, then the user's counter), so that writers cannot deadlock."""
    written = [(before, after)] + ([(None, spawned)] if spawned is not None else [])
    steps: list[Step] = []
    for old, new in written:
        steps += reminder_steps(
            owner_id=owner_id,
            task_id=new.id,
            remind_at=new.remind_at,
            active=new.deleted_at is None and not new.completed,
            remind_at_before=old.remind_at if old is not None else None,
            existed=old is not None,
            now=now,
        )
    for old, new in written:
        steps += append_steps(
            connection,
            owner_id=owner_id,
            kind=kind_of(old, new),
            data=dumps(stored_json(new)),
            now=now,
            task_id=new.id,
        )
    return steps
