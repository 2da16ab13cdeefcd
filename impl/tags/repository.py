"""The owner's tags, counted over task_tags."""

from __future__ import annotations

import uuid

from sqlalchemy import func
from sqlmodel import Session, col, select

from impl.db.tables import TaskTagRow


def count_tags(session: Session, *, owner_id: uuid.UUID) -> list[tuple[str, int]]:
    """(name, number of tasks) for each of the owner's tags, by name. Deleted tasks have no
    tags left, and one spelling stands for all: the smallest, compared byte-wise."""
    query = (
        select(func.min(TaskTagRow.name), func.count())
        .where(TaskTagRow.owner_id == owner_id)
        .group_by(col(TaskTagRow.name_key))
        .order_by(col(TaskTagRow.name_key))
    )
    return [(name, count) for name, count in session.exec(query)]
