from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import and_, delete, or_
from sqlmodel import Session, col, select

from ..tables import TaskRow


def list_tasks(
    session: Session,
    *,
    owner_id: uuid.UUID,
    limit: int,
    before: tuple[datetime, uuid.UUID] | None = None,
) -> list[TaskRow]:
    """The owner's tasks, newest first; `before` is the (created_at, id) keyset of the last row seen."""
    query = select(TaskRow).where(TaskRow.owner_id == owner_id)
    if before is not None:
        created_at, task_id = before
        query = query.where(
            or_(
                col(TaskRow.created_at) < created_at,
                and_(col(TaskRow.created_at) == created_at, col(TaskRow.id) < task_id),
            )
        )
    query = query.order_by(col(TaskRow.created_at).desc(), col(TaskRow.id).desc()).limit(limit)
    return list(session.exec(query))


def get_task(session: Session, *, owner_id: uuid.UUID, task_id: uuid.UUID) -> TaskRow | None:
    query = select(TaskRow).where(TaskRow.id == task_id, TaskRow.owner_id == owner_id)
    return session.exec(query).first()


def create_task(session: Session, *, task: TaskRow) -> TaskRow:
    session.add(task)
    session.flush()
    return task


def delete_task(session: Session, *, owner_id: uuid.UUID, task_id: uuid.UUID) -> bool:
    statement = delete(TaskRow).where(col(TaskRow.id) == task_id, col(TaskRow.owner_id) == owner_id)
    return session.exec(statement).rowcount == 1
