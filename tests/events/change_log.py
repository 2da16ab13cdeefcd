"""The change log as the database holds it, read straight from the table in tests."""

from __future__ import annotations

import uuid
from typing import Any

from sqlmodel import Session, col, select

from impl.db.tables import EventRow
from tests.events.event_schemas import checked_event


def logged(db: Session, user_id: str) -> list[tuple[int, str, dict[str, Any]]]:
    """(seq, kind, data) of the user's change-log entries, oldest first, each checked against
    the contract."""
    db.expire_all()
    rows = db.exec(
        select(EventRow).where(EventRow.owner_id == uuid.UUID(user_id)).order_by(col(EventRow.seq))
    ).all()
    return [(row.seq, row.kind, checked_event(row.kind, row.data)) for row in rows]
