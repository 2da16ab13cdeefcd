"""One migration run at a time per database, so that N instances started at once on an empty
database all come up: the first migrates, the others wait and then find nothing to do.

PostgreSQL: a session-level advisory lock, held on the connection the migrations run on.
SQLite: an exclusive lock on a file beside the database (its instances share one machine).
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, text

from impl.db.engine import build_engine, normalize_url

# "tasksapi" in ASCII: a fixed key that other applications on the same database won't use.
ADVISORY_LOCK_KEY = 0x7461736B73617069


@contextmanager
def migration_lock(raw_url: str) -> Iterator[Connection | None]:
    """Hold the lock; yield the connection to migrate on (PostgreSQL), or None (SQLite)."""
    url = normalize_url(raw_url)
    if url.get_backend_name() == "sqlite":
        with _file_lock(url.database or ""):
            yield None
        return
    engine = build_engine(raw_url)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": ADVISORY_LOCK_KEY})
            connection.commit()
            try:
                yield connection
            finally:
                connection.rollback()
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_LOCK_KEY})
                connection.commit()
    finally:
        engine.dispose()


@contextmanager
def _file_lock(database: str) -> Iterator[None]:
    if not database or database == ":memory:" or database.startswith("file:"):
        yield
        return
    path = Path(f"{database}.migrate-lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)
