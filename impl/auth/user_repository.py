"""Accounts: users, their login sessions and refresh tokens. Every statement that acts for a
caller carries the caller's validity check (impl/auth/caller.py)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from impl.auth.identity import Caller, revoked, sql_for
from impl.db.database import Connection, Database, Row
from impl.db.sql import Query, Step, cached
from impl.db.timestamps import utc_now


def email_key(email: str) -> str:
    return email.strip().casefold()


@dataclass(frozen=True)
class Account:
    id: uuid.UUID
    email: str | None
    created_at: datetime
    token_version: int
    password_hash: str | None
    email_key: str | None


ACCOUNT_COLUMNS = "u.id, u.email, u.created_at, u.token_version, u.password_hash, u.email_key"
_BY_EMAIL = Query.of(f"SELECT {ACCOUNT_COLUMNS} FROM users u WHERE u.email_key = :email_key")
_CREATE = Query.of(
    "INSERT INTO users (id, email, email_key, password_hash, token_version, created_at, updated_at)"
    " VALUES (:id, :email, :email_key, :password_hash, 0, :now, :now)"
    " ON CONFLICT (email_key) DO NOTHING"
    f" RETURNING {ACCOUNT_COLUMNS.replace('u.', '')}"
)
_EXTERNAL = Query.of("SELECT id FROM users WHERE external_issuer = :issuer AND external_subject = :subject")
_CREATE_EXTERNAL = Query.of(
    "INSERT INTO users (id, external_issuer, external_subject, token_version, created_at, updated_at)"
    " VALUES (:id, :issuer, :subject, 0, :now, :now)"
    " ON CONFLICT (external_issuer, external_subject) DO NOTHING"
)
_ME = f"SELECT {ACCOUNT_COLUMNS} FROM users u WHERE u.id = :caller_id AND {{caller_valid}}"
_SET_PASSWORD = Query.of(
    "UPDATE users SET password_hash = :password_hash, token_version = token_version + 1,"
    " updated_at = :now WHERE id = :user_id AND token_version = :token_version"
)
_REVOKE_SESSIONS = Query.of(
    "UPDATE login_sessions SET revoked_at = :now WHERE user_id = :user_id AND revoked_at IS NULL"
)
_REVOKE_REFRESH_TOKENS = Query.of(
    "UPDATE refresh_tokens SET revoked_at = :now WHERE user_id = :user_id AND revoked_at IS NULL"
)
_DELETE = Query.of("DELETE FROM users WHERE id = :user_id")


def _account(row: Row) -> Account:
    return Account(*row)  # the columns of ACCOUNT_COLUMNS, in order


async def get_by_email(database: Database, *, email: str) -> Account | None:
    async with database.read() as connection:
        row = await connection.fetch_one(_BY_EMAIL, {"email_key": email_key(email)})
    return _account(row) if row else None


async def create_user(database: Database, *, email: str, password_hash: str, now: datetime) -> Account | None:
    """Insert a user; None if the email is taken (the unique index decides, race-free)."""
    params = {
        "id": uuid.uuid4(),
        "email": email,
        "email_key": email_key(email),
        "password_hash": password_hash,
        "now": now,
    }
    async with database.write() as connection:
        row = await connection.fetch_one(_CREATE, params)
    return _account(row) if row else None


async def external_user_id(database: Database, *, issuer: str, subject: str) -> uuid.UUID:
    """The account of an external identity, provisioned by its first valid token."""
    params = {"issuer": issuer, "subject": subject}
    async with database.read() as connection:
        row = await connection.fetch_one(_EXTERNAL, params)
    if row is not None:
        return uuid.UUID(str(row[0]))
    async with database.write() as connection:
        # A concurrent first request may insert it first: then this inserts nothing.
        results = await connection.run(
            Step(_CREATE_EXTERNAL, {**params, "id": uuid.uuid4(), "now": utc_now()}),
            Step(_EXTERNAL, params),
            commit=True,
        )
    return uuid.UUID(str(results[1].rows[0][0]))


async def get_caller_account(connection: Connection, caller: Caller) -> Account:
    """The caller's account; 401 if the token's user or session is no longer valid."""
    row = await connection.fetch_one(cached(sql_for(_ME, caller)), caller.params)
    if row is None:
        raise revoked()
    return _account(row)


async def set_password(
    connection: Connection, *, account: Account, password_hash: str, now: datetime
) -> bool:
    """Replace the password: token_version moves on (every access token issued before stops
    working) and every login session and refresh token is revoked. False if the account
    changed in between (another password change won)."""
    params = {"user_id": account.id, "now": now}
    connection.note(str(account.id))  # its open event streams end (impl/changes/hub.py)
    results = await connection.run(
        Step(
            _SET_PASSWORD,
            {**params, "password_hash": password_hash, "token_version": account.token_version},
        ),
        Step(_REVOKE_SESSIONS, params),
        Step(_REVOKE_REFRESH_TOKENS, params),
        commit=True,
    )
    return results[0].rowcount == 1


async def delete_user(connection: Connection, *, user_id: uuid.UUID) -> None:
    """Delete the user; the foreign keys cascade to their tasks, sessions and tokens."""
    connection.note(str(user_id))  # its open event streams end (impl/changes/hub.py)
    await connection.run(Step(_DELETE, {"user_id": user_id}), commit=True)
