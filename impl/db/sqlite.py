"""The embedded SQLite file: each connection lives on a thread of its own, and a unit of
work's statements run there in one hop, so the event loop never waits on the file.

Values are stored as SQLAlchemy stores them (the migrations and the tests' direct reads use
SQLAlchemy): UUIDs as 32 hex digits in CHAR(32) columns, times as naive UTC text
`YYYY-MM-DD HH:MM:SS.ffffff` in DATETIME columns (which sorts like the time it names),
booleans as 0 and 1. The converters below turn them back by the columns' declared types.
Writers take the write lock up front (BEGIN IMMEDIATE) and queue for it for at most the busy
timeout; past that, the request gets a 503.
"""

from __future__ import annotations

import asyncio
import sqlite3
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from impl.db.database import Connection, Driver
from impl.db.errors import DatabaseBusy, DatabaseUnavailable
from impl.db.sql import Params, Step, StepResult

T = TypeVar("T")
# sqlite3.OperationalError messages of a file that cannot be used right now.
_UNAVAILABLE = ("unable to open", "disk I/O", "readonly", "malformed", "no space", "full")


def _stored_time(moment: datetime) -> str:
    moment = moment.astimezone(UTC) if moment.tzinfo is not None else moment
    return (
        f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d} "
        f"{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}.{moment.microsecond:06d}"
    )


def _loaded_time(stored: bytes) -> datetime:
    return datetime.fromisoformat(stored.decode()).replace(tzinfo=UTC)


def _bind(params: Params | None) -> dict[str, Any]:
    if not params:
        return {}
    bound = {}
    for name, value in params.items():
        if isinstance(value, uuid.UUID):
            bound[name] = value.hex
        elif isinstance(value, datetime):
            bound[name] = _stored_time(value)
        else:
            bound[name] = value
    return bound


# Converters apply only to connections opened with detect_types (ours, not SQLAlchemy's).
sqlite3.register_converter("CHAR", lambda stored: uuid.UUID(hex=stored.decode()))
sqlite3.register_converter("DATETIME", _loaded_time)
sqlite3.register_converter("BOOLEAN", lambda stored: stored != b"0")


class SqliteRaw:
    """A sqlite3 connection and the one thread that uses it."""

    def __init__(self, path: str, busy_timeout_ms: int) -> None:
        self.path = path
        self.busy_timeout_ms = busy_timeout_ms
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite")
        self.connection: sqlite3.Connection | None = None

    def open(self) -> None:
        if self.path and self.path != ":memory:" and not self.path.startswith("file:"):
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(
            self.path,
            timeout=self.busy_timeout_ms / 1000,
            detect_types=sqlite3.PARSE_DECLTYPES,
            isolation_level=None,  # we say where transactions begin and end
            check_same_thread=False,
            uri=self.path.startswith("file:"),
        )
        for pragma in (
            "PRAGMA foreign_keys=ON",
            "PRAGMA journal_mode=WAL",
            "PRAGMA synchronous=NORMAL",
            f"PRAGMA busy_timeout={self.busy_timeout_ms}",
        ):
            connection.execute(pragma)
        self.connection = connection

    async def call(self, work: Callable[[sqlite3.Connection], T]) -> T:
        connection = self.connection
        assert connection is not None
        return await asyncio.get_running_loop().run_in_executor(self.executor, work, connection)

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


class SqliteConnection(Connection):
    dialect = "sqlite"

    def __init__(self, raw: SqliteRaw, *, write: bool) -> None:
        self.raw = raw
        self.write = write
        self.began = False
        self.committed = False

    async def run(self, *steps: Step, commit: bool = False, planner: Sequence[str] = ()) -> list[StepResult]:
        begin = self.write and not self.began
        self.began = self.began or begin
        end = commit and self.began

        def work(connection: sqlite3.Connection) -> list[StepResult]:
            if begin:
                # The write lock up front: a transaction that read first could not take it
                # later once another writer committed (WAL keeps its old snapshot).
                connection.execute("BEGIN IMMEDIATE")
            results = []
            for step in steps:
                if step.many is not None:
                    cursor = connection.executemany(step.query.sqlite, [_bind(p) for p in step.many])
                    results.append(StepResult([], cursor.rowcount))
                    continue
                cursor = connection.execute(step.query.sqlite, _bind(step.params))
                rows = cursor.fetchall() if cursor.description else []
                results.append(StepResult(rows, cursor.rowcount))
            if end:
                connection.execute("COMMIT")
            return results

        results = await self.raw.call(work)
        self.committed = self.committed or end
        return results


class SqliteDriver(Driver):
    dialect = "sqlite"

    def __init__(self, path: str, *, busy_timeout_ms: int) -> None:
        self.path = path
        self.busy_timeout_ms = busy_timeout_ms

    async def connect(self) -> SqliteRaw:
        raw = SqliteRaw(self.path, self.busy_timeout_ms)
        try:
            await asyncio.get_running_loop().run_in_executor(raw.executor, raw.open)
        except BaseException:
            raw.executor.shutdown(wait=False)
            raise
        return raw

    async def close(self, raw: SqliteRaw) -> None:
        try:
            await asyncio.get_running_loop().run_in_executor(raw.executor, raw.close)
        finally:
            raw.executor.shutdown(wait=False)

    def connection(self, raw: SqliteRaw, *, write: bool) -> SqliteConnection:
        return SqliteConnection(raw, write=write)

    async def finish(self, connection: Connection, *, failed: bool) -> bool:
        assert isinstance(connection, SqliteConnection)
        if connection.began and not connection.committed:
            statement = "ROLLBACK" if failed else "COMMIT"

            def end(sqlite: sqlite3.Connection) -> None:
                # Some errors end the transaction by themselves.
                if sqlite.in_transaction:
                    sqlite.execute(statement)

            await connection.raw.call(end)
        return True

    def translate(self, error: BaseException) -> BaseException | None:
        if isinstance(error, sqlite3.OperationalError):
            message = str(error)
            if "locked" in message or "busy" in message:
                return DatabaseBusy("the database is locked by another writer for too long")
            if any(sign in message for sign in _UNAVAILABLE):
                return DatabaseUnavailable(message[:200])
        return None  # anything else (a bad statement) is a bug: a 500
