"""Stream tickets: EventSource cannot send an Authorization header, and an access token must
never travel in a URL (logs, history, Referer). A ticket is a random string, stored as its
SHA-256, bound to the caller's user and login session, valid for 30 seconds and for one
stream: redeeming it is one conditional UPDATE, so two requests with it cannot both win.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import datetime, timedelta

from impl.auth.identity import Caller, revoked, sql_for
from impl.db.database import Connection
from impl.db.sql import Query, cached
from impl.http.problems import Unauthorized

TICKET_TTL = timedelta(seconds=30)

_ISSUE = (
    "INSERT INTO event_tickets (ticket_hash, user_id, session_id, token_version, expires_at)"
    " SELECT :ticket_hash, :caller_id, :ticket_session, :ticket_version, :expires_at WHERE {caller_valid}"
)
_REDEEM = Query.of(
    "UPDATE event_tickets SET used_at = :now WHERE ticket_hash = :ticket_hash"
    " AND used_at IS NULL AND expires_at > :now RETURNING user_id, session_id, token_version"
)
_PURGE = Query.of("DELETE FROM event_tickets WHERE expires_at < :before")


def ticket_hash(ticket: str) -> str:
    return hashlib.sha256(ticket.encode()).hexdigest()


async def issue(connection: Connection, caller: Caller, *, now: datetime) -> tuple[str, datetime]:
    """A new ticket for the caller's login and when it expires; 401 if the caller is no longer valid."""
    ticket = secrets.token_urlsafe(32)
    expires_at = now + TICKET_TTL
    inserted = await connection.execute(
        cached(sql_for(_ISSUE, caller)),
        {
            **caller.params,
            "ticket_hash": ticket_hash(ticket),
            "ticket_session": caller.session_id,
            "ticket_version": caller.token_version,
            "expires_at": expires_at,
        },
    )
    if inserted != 1:
        raise revoked()
    return ticket, expires_at


async def redeem(connection: Connection, ticket: str, *, now: datetime) -> Caller:
    """The caller the ticket was issued to, spending it; 401 if it is unknown, expired or spent.
    Whether that caller's login is still valid is checked by the stream's own queries."""
    row = await connection.fetch_one(_REDEEM, {"ticket_hash": ticket_hash(ticket), "now": now})
    if row is None:
        raise Unauthorized(
            "The stream ticket is unknown, expired or already used: get a new one from "
            "POST /api/v1/events/tickets and open the stream within 30 seconds."
        )
    user_id, session_id, token_version = row
    return Caller(
        user_id=_uuid(user_id),
        token_version=token_version,
        session_id=_uuid(session_id) if session_id is not None else None,
    )


async def purge(connection: Connection, *, before: datetime) -> int:
    return await connection.execute(_PURGE, {"before": before})


def _uuid(value: object) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
