"""A task's tags: rows of task_tags, written and read with plain statements (never as ORM
objects, so that replacing a task's tags twice in one transaction is just two statements)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence

from sqlalchemy import delete, insert
from sqlmodel import Session, col, select

from impl.db.tables import TaskTagRow
from impl.tasks.fields import tag_key


def set_tags(session: Session, *, owner_id: uuid.UUID, task_id: uuid.UUID, names: Sequence[str]) -> None:
    session.exec(
        delete(TaskTagRow).where(col(TaskTagRow.task_id) == task_id, col(TaskTagRow.owner_id) == owner_id)
    )
    if names:
        rows = [
            {"task_id": task_id, "owner_id": owner_id, "name": name, "name_key": tag_key(name)}
            for name in names
        ]
        session.execute(insert(TaskTagRow), rows)


def tags_by_task(
    session: Session, *, owner_id: uuid.UUID, task_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, list[str]]:
    """Each task's tag names, sorted case-insensitively."""
    ids = list(task_ids)
    found: dict[uuid.UUID, list[str]] = {task_id: [] for task_id in ids}
    if not ids:
        return found
    query = (
        select(TaskTagRow.task_id, TaskTagRow.name)
        .where(TaskTagRow.owner_id == owner_id, col(TaskTagRow.task_id).in_(ids))
        .order_by(col(TaskTagRow.name_key))
    )
    for task_id, name in session.exec(query):
        found[task_id].append(name)
    return found
