from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import delete
from sqlmodel import Session, col, select

from impl.db.tables import TaskRow


def get_task(
    session: Session, *, owner_id: uuid.UUID, task_id: uuid.UUID, for_update: bool = False
) -> TaskRow | None:
    """The owner's task, unless it was deleted; `for_update` locks it until the transaction ends."""
    query = (
        select(TaskRow)
        .where(TaskRow.id == task_id, TaskRow.owner_id == owner_id, col(TaskRow.deleted_at).is_(None))
        # A write retried after a concurrent change must see the row as it is now.
        .execution_options(populate_existing=True)
    )
    if for_update:
        query = query.with_for_update()
    return session.exec(query).first()


def create_task(session: Session, *, task: TaskRow) -> TaskRow:
    session.add(task)
    session.flush()
    return task


def purge_tombstones(session: Session, *, deleted_before: datetime) -> int:
    """Forget tasks deleted before the cut-off (every owner: a maintenance job)."""
    statement = delete(TaskRow).where(col(TaskRow.deleted_at) < deleted_before)
    return session.exec(statement).rowcount
