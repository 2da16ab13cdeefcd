"""Idempotency keys: one row per (user, key), claimed before the work it protects and filled
with the response in the same transaction, so a row that others can see is always complete."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import delete, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from impl.db.tables import IdempotencyKeyRow


def claim_key(session: Session, *, user_id: uuid.UUID, key: str, fingerprint: str, now: datetime) -> bool:
    """Insert the key unless it exists. On PostgreSQL a concurrent claim of the same key
    waits here until the first one commits (or rolls back), then inserts nothing (or wins)."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = (
        insert(IdempotencyKeyRow)
        .values(id=uuid.uuid4(), user_id=user_id, key=key, fingerprint=fingerprint, created_at=now)
        .on_conflict_do_nothing(index_elements=["user_id", "key"])
        # RETURNING, not rowcount: psycopg reports -1 for an INSERT ... ON CONFLICT.
        .returning(col(IdempotencyKeyRow.id))
    )
    return session.execute(statement).first() is not None


def reclaim_expired_key(
    session: Session,
    *,
    user_id: uuid.UUID,
    key: str,
    fingerprint: str,
    now: datetime,
    expired_before: datetime,
) -> bool:
    """Take over a key whose previous use has expired; only one concurrent request can."""
    statement = (
        update(IdempotencyKeyRow)
        .where(
            col(IdempotencyKeyRow.user_id) == user_id,
            col(IdempotencyKeyRow.key) == key,
            col(IdempotencyKeyRow.created_at) < expired_before,
        )
        .values(
            fingerprint=fingerprint,
            created_at=now,
            response_status=None,
            response_body=None,
            response_headers=None,
        )
    )
    return session.exec(statement).rowcount == 1


def get_key(session: Session, *, user_id: uuid.UUID, key: str) -> IdempotencyKeyRow | None:
    query = (
        select(IdempotencyKeyRow)
        .where(IdempotencyKeyRow.user_id == user_id, IdempotencyKeyRow.key == key)
        .execution_options(populate_existing=True)
    )
    return session.exec(query).first()


def save_response(
    session: Session, *, user_id: uuid.UUID, key: str, status: int, body: str, headers: str
) -> None:
    statement = (
        update(IdempotencyKeyRow)
        .where(col(IdempotencyKeyRow.user_id) == user_id, col(IdempotencyKeyRow.key) == key)
        .values(response_status=status, response_body=body, response_headers=headers)
    )
    session.exec(statement)


def purge_keys(session: Session, *, created_before: datetime) -> int:
    statement = delete(IdempotencyKeyRow).where(col(IdempotencyKeyRow.created_at) < created_before)
    return session.exec(statement).rowcount
