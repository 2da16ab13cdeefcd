"""Login sessions and their refresh tokens.

A login starts a session; its refresh tokens form a family (family_id = the session's id),
each single-use: a refresh spends one and issues the next. A spent or revoked token that comes
back means it was stolen or replayed, and the whole session is revoked. Revoking a session
ends its refresh tokens and, through the `sid` claim checked on every request, its access
tokens too.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from impl.auth.identity import Caller, revoked, sql_for
from impl.db.database import Connection
from impl.db.sql import Query, Step, cached

_START_SESSION = Query.of(
    "INSERT INTO login_sessions (id, user_id, created_at) VALUES (:session_id, :user_id, :now)"
)
_ADD_TOKEN = Query.of(
    "INSERT INTO refresh_tokens (id, user_id, family_id, token_hash, created_at, expires_at)"
    " VALUES (:id, :user_id, :session_id, :token_hash, :now, :expires_at)"
)
# Spend the token, and read its user's current token_version if its session is alive.
_SPEND = Query.of(
    "UPDATE refresh_tokens SET used_at = :now WHERE token_hash = :token_hash"
    " AND used_at IS NULL AND revoked_at IS NULL AND expires_at > :now"
    " RETURNING user_id, family_id"
)
_SESSION_USER = Query.of(
    "SELECT u.token_version FROM refresh_tokens r"
    " JOIN login_sessions s ON s.id = r.family_id AND s.revoked_at IS NULL"
    " JOIN users u ON u.id = r.user_id"
    " WHERE r.token_hash = :token_hash"
)
_FIND = Query.of(
    "SELECT user_id, family_id, expires_at > :now FROM refresh_tokens WHERE token_hash = :token_hash"
)
_REVOKE_SESSION = Query.of(
    "UPDATE login_sessions SET revoked_at = :now WHERE id = :session_id AND revoked_at IS NULL"
)
_REVOKE_FAMILY = Query.of(
    "UPDATE refresh_tokens SET revoked_at = :now WHERE family_id = :session_id AND revoked_at IS NULL"
)
_CALLER_SESSION_OF = (
    "SELECT r.family_id FROM (SELECT 1) AS one"
    " LEFT JOIN refresh_tokens r ON r.token_hash = :token_hash AND r.user_id = :caller_id"
    " WHERE {caller_valid}"
)


@dataclass(frozen=True)
class NewRefreshToken:
    token_hash: str
    expires_at: datetime


@dataclass(frozen=True)
class Refreshed:
    user_id: uuid.UUID
    session_id: uuid.UUID
    token_version: int


def _add(user_id: uuid.UUID, session_id: uuid.UUID, token: NewRefreshToken, now: datetime) -> Step:
    return Step(
        _ADD_TOKEN,
        {
            "id": uuid.uuid4(),
            "user_id": user_id,
            "session_id": session_id,
            "token_hash": token.token_hash,
            "now": now,
            "expires_at": token.expires_at,
        },
    )


async def start_session(
    connection: Connection, *, user_id: uuid.UUID, token: NewRefreshToken, now: datetime
) -> uuid.UUID:
    session_id = uuid.uuid4()
    await connection.run(
        Step(_START_SESSION, {"session_id": session_id, "user_id": user_id, "now": now}),
        _add(user_id, session_id, token, now),
        commit=True,
    )
    return session_id


async def spend(
    connection: Connection, *, token_hash: str, following: NewRefreshToken, now: datetime
) -> Refreshed | None:
    """Spend a refresh token and store the one that follows it, in one transaction. None if
    the token is unknown, expired, spent or revoked, or its session or user has ended; a
    spent or revoked token that comes back revokes its whole session (and that is kept)."""
    params = {"token_hash": token_hash, "now": now}
    spent, session_user = await connection.run(Step(_SPEND, params), Step(_SESSION_USER, params))
    if spent.rows and session_user.rows:
        user_id, session_id = spent.rows[0]
        await connection.run(_add(user_id, session_id, following, now), commit=True)
        return Refreshed(user_id=user_id, session_id=session_id, token_version=session_user.rows[0][0])
    found = await connection.fetch_one(_FIND, params)
    if found is not None and found[2]:
        # Still within its lifetime but spent, or its session revoked: a replay.
        await revoke_session(connection, session_id=found[1], now=now)
        connection.note(str(found[0]))  # its open event streams end (impl/changes/hub.py)
    return None


async def revoke_session(connection: Connection, *, session_id: uuid.UUID, now: datetime) -> None:
    params = {"session_id": session_id, "now": now}
    await connection.run(Step(_REVOKE_SESSION, params), Step(_REVOKE_FAMILY, params), commit=True)


async def end_callers_session(
    connection: Connection, caller: Caller, *, token_hash: str, now: datetime
) -> None:
    """Logout: revoke the session of this refresh token if it is the caller's (another
    user's token, or an unknown one, changes nothing); 401 if the caller is not valid."""
    row = await connection.fetch_one(
        cached(sql_for(_CALLER_SESSION_OF, caller)), {**caller.params, "token_hash": token_hash}
    )
    if row is None:
        raise revoked()
    if row[0] is not None:
        await revoke_session(connection, session_id=row[0], now=now)
        connection.note(str(caller.user_id))  # its open event streams end (impl/changes/hub.py)
