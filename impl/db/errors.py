"""What can go wrong between the service and its database, in the service's own words.

The drivers' exceptions (psycopg's, sqlite3's) are translated here, at the edge of impl/db/,
so that the HTTP layer maps a small set of expected failures to their problem types (503 with
Retry-After) without knowing either driver, and everything else stays a bug (a 500).
"""

from __future__ import annotations


class DatabaseError(Exception):
    """An expected database failure: the request did not happen; the client may retry."""

    reason = "database-unavailable"


class DatabaseUnavailable(DatabaseError):
    """The database refused or dropped the connection, or is shutting down."""

    reason = "database-unavailable"


class DatabaseTimeout(DatabaseError):
    """A statement, a lock wait or the whole unit of work ran out of time."""

    reason = "database-timeout"


class DatabaseBusy(DatabaseError):
    """No connection could be had in time: every pooled connection is in use and too many
    requests already wait for one (or SQLite's single writer is taken for too long)."""

    reason = "database-busy"
