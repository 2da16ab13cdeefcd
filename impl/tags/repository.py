"""The owner's tags, counted over task_tags."""

from __future__ import annotations

import uuid

from sqlalchemy import func
from sqlmodel import Session, col, select

from impl.db.tables import TaskTagRow


def count_tags(
    session: Session, *, owner_id: uuid.UUID, after: str | None, limit: int
) -> list[tuple[str, str, int]]:
    """(name, key, number of tasks) for up to `limit` of the owner's tags, by key, from the first
    key after `after`. Deleted tasks have no tags left, and one spelling stands for all: the
    smallest, compared byte-wise."""
    query = select(func.min(TaskTagRow.name), col(TaskTagRow.name_key), func.count()).where(
        TaskTagRow.owner_id == owner_id
    )
    if after is not None:
        query = query.where(col(TaskTagRow.name_key) > after)
    query = query.group_by(col(TaskTagRow.name_key)).order_by(col(TaskTagRow.name_key)).limit(limit)
    return [(name, key, count) for name, key, count in session.exec(query)]
