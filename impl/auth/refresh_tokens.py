from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from impl.db.tables import RefreshTokenRow


def get_by_hash(session: Session, *, token_hash: str) -> RefreshTokenRow | None:
    query = select(RefreshTokenRow).where(RefreshTokenRow.token_hash == token_hash)
    return session.exec(query).first()


def add(session: Session, *, token: RefreshTokenRow) -> None:
    session.add(token)
    session.flush()


def mark_used(session: Session, *, token_id: uuid.UUID, now: datetime) -> bool:
    """Spend a token exactly once: of two concurrent refreshes, only one sees True."""
    statement = (
        update(RefreshTokenRow)
        .where(
            col(RefreshTokenRow.id) == token_id,
            col(RefreshTokenRow.used_at).is_(None),
            col(RefreshTokenRow.revoked_at).is_(None),
        )
        .values(used_at=now)
    )
    return session.exec(statement).rowcount == 1


def revoke_family(session: Session, *, user_id: uuid.UUID, family_id: uuid.UUID, now: datetime) -> None:
    statement = (
        update(RefreshTokenRow)
        .where(
            col(RefreshTokenRow.user_id) == user_id,
            col(RefreshTokenRow.family_id) == family_id,
            col(RefreshTokenRow.revoked_at).is_(None),
        )
        .values(revoked_at=now)
    )
    session.exec(statement)


def revoke_all(session: Session, *, user_id: uuid.UUID, now: datetime) -> None:
    statement = (
        update(RefreshTokenRow)
        .where(col(RefreshTokenRow.user_id) == user_id, col(RefreshTokenRow.revoked_at).is_(None))
        .values(revoked_at=now)
    )
    session.exec(statement)
