"""The lock on a user's own row that serializes changes to the user's task tree and lists.

Every write that changes where tasks or lists are (a create in a list or under a parent, a
move, an update, a completion, a delete, a batch, any list write) takes it first, so on
PostgreSQL one user's structural writes are decided one after another, as SQLite decides
every write: no request sees a tree that another is changing. `FOR NO KEY UPDATE` lets inserts
that reference the user (its tasks, tags, keys) go on; other users never wait.
"""

from __future__ import annotations

from functools import lru_cache

from impl.auth.identity import Caller, sql_for
from impl.db.database import Connection
from impl.db.sql import Dialect, Query, Step

_OWNER_LOCK = "SELECT 1 FROM users cu0 WHERE cu0.id = :caller_id AND {caller_valid}"
_LOCK = {"postgresql": " FOR NO KEY UPDATE OF cu0", "sqlite": ""}


@lru_cache(maxsize=8)
def _query(dialect: Dialect, template: str) -> Query:
    return Query.of(template + _LOCK[dialect])


def owner_lock_step(connection: Connection, caller: Caller) -> Step:
    """Lock the caller's user row until the transaction ends; no row back means the caller is
    no longer valid (see impl/auth/identity.py)."""
    return Step(_query(connection.dialect, sql_for(_OWNER_LOCK, caller)), caller.params)
