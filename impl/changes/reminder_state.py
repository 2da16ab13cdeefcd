"""A task's reminder, kept in step with the task by its writes (same transaction): armed while
the task is live and open and its `remind_at` is ahead; moved when `remind_at` moves;
cancelled when the task is completed or deleted, or its `remind_at` cleared. A reminder whose
time has come but that has not fired yet is left alone by a write that keeps `remind_at`.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from impl.db.sql import Query, Step

_ARM = Query.of(
    "INSERT INTO reminders (task_id, owner_id, remind_at, fired_at)"
    " SELECT :task_id, :owner_id, :remind_at, NULL"
    " WHERE EXISTS (SELECT 1 FROM tasks t WHERE t.id = :task_id AND t.owner_id = :owner_id)"
    " ON CONFLICT (task_id) DO UPDATE SET remind_at = excluded.remind_at, fired_at = NULL"
    " WHERE reminders.remind_at <> excluded.remind_at OR reminders.fired_at IS NOT NULL"
)
_CANCEL = Query.of("DELETE FROM reminders WHERE task_id = :task_id AND owner_id = :owner_id")


def reminder_steps(
    *,
    owner_id: uuid.UUID,
    task_id: uuid.UUID,
    remind_at: datetime | None,
    active: bool,
    remind_at_before: datetime | None,
    existed: bool,
    now: datetime,
) -> list[Step]:
    """The statements that keep the task's reminder in step with the task as written.

    `active`: the task is live and open. `existed`: the task was there before this write."""
    params = {"task_id": task_id, "owner_id": owner_id}
    if active and remind_at is not None:
        if remind_at > now:
            return [Step(_ARM, {**params, "remind_at": remind_at})]
        if existed and remind_at == remind_at_before:
            return []  # due and about to fire: this write does not touch it
    if not existed:
        return []
    return [Step(_CANCEL, params)]
