"""Idempotency keys: one row per (user, key), claimed before the work it protects and filled
with the response in the same transaction, so a row that others can see is always complete."""

from __future__ import annotations

import uuid
from datetime import datetime
from functools import lru_cache

from impl.auth.identity import Caller, sql_for
from impl.db.database import Connection, Row
from impl.db.sql import Query, Step

# Insert the key unless it exists. On PostgreSQL a concurrent claim of the same key waits
# here until the first one commits (or rolls back), then inserts nothing (or wins).
# RETURNING, not rowcount: psycopg reports -1 for INSERT ... ON CONFLICT.
_CLAIM = (
    'INSERT INTO idempotency_keys (id, user_id, "key", fingerprint, created_at)'
    " SELECT :id, :caller_id, :key, :fingerprint, :now WHERE {caller_valid}"
    ' ON CONFLICT (user_id, "key") DO NOTHING RETURNING id'
)
_GET = Query.of(
    "SELECT fingerprint, response_status, response_body, response_headers, created_at"
    ' FROM idempotency_keys WHERE user_id = :user_id AND "key" = :key'
)
_RECLAIM = Query.of(
    "UPDATE idempotency_keys SET fingerprint = :fingerprint, created_at = :now,"
    " response_status = NULL, response_body = NULL, response_headers = NULL"
    ' WHERE user_id = :user_id AND "key" = :key AND created_at < :expired_before'
)
SAVE_RESPONSE = Query.of(
    "UPDATE idempotency_keys SET response_status = :status, response_body = :body,"
    ' response_headers = :headers WHERE user_id = :user_id AND "key" = :key'
)
_PURGE = Query.of("DELETE FROM idempotency_keys WHERE created_at < :created_before")


@lru_cache(maxsize=8)
def _compiled(text: str) -> Query:
    return Query.of(text)


def claim(connection: Connection, caller: Caller, *, key: str, fingerprint: str, now: datetime) -> Step:
    """A claim of the key, to run first in the unit of work: a row back means it is ours."""
    params = {**caller.params, "id": uuid.uuid4(), "key": key, "fingerprint": fingerprint, "now": now}
    return Step(_compiled(sql_for(_CLAIM, caller)), params)


async def get_key(connection: Connection, *, user_id: uuid.UUID, key: str) -> Row | None:
    return await connection.fetch_one(_GET, {"user_id": user_id, "key": key})


async def reclaim_expired_key(
    connection: Connection,
    *,
    user_id: uuid.UUID,
    key: str,
    fingerprint: str,
    now: datetime,
    expired_before: datetime,
) -> bool:
    """Take over a key whose previous use has expired; only one concurrent request can."""
    params = {
        "user_id": user_id,
        "key": key,
        "fingerprint": fingerprint,
        "now": now,
        "expired_before": expired_before,
    }
    return await connection.execute(_RECLAIM, params) == 1


async def purge_keys(connection: Connection, *, created_before: datetime) -> int:
    return await connection.execute(_PURGE, {"created_before": created_before})
