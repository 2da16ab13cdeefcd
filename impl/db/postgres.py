"""PostgreSQL through psycopg 3's async connections (any PostgreSQL 14+, Neon included).

Connections run in autocommit mode: a read is one statement and one round trip; a write sends
BEGIN, its statements and COMMIT in one pipeline. Timeouts are set on each connection
(statement_timeout, lock_timeout), and again with SET LOCAL in every transaction, so they
hold behind a transaction-mode pooler such as Neon's `-pooler` endpoints, where session
settings do not follow the client.
"""

from __future__ import annotations

import select
from collections.abc import Sequence
from typing import Any

import psycopg
from psycopg import errors as pg_errors
from psycopg.pq import TransactionStatus

from impl.db.database import Connection, Driver
from impl.db.errors import DatabaseBusy, DatabaseTimeout, DatabaseUnavailable
from impl.db.sql import Step, StepResult

# Errors that mean "the server cannot serve right now", not "this request is wrong".
_TIMEOUTS = (pg_errors.QueryCanceled, pg_errors.LockNotAvailable)
_CONFLICTS = (pg_errors.SerializationFailure, pg_errors.DeadlockDetected)
_UNAVAILABLE = (
    pg_errors.AdminShutdown,
    pg_errors.CrashShutdown,
    pg_errors.CannotConnectNow,
    pg_errors.TooManyConnections,
    pg_errors.ReadOnlySqlTransaction,
)


class PostgresConnection(Connection):
    dialect = "postgresql"

    def __init__(
        self, raw: psycopg.AsyncConnection[Any], *, begin: list[str] | None, session_planner: Sequence[str]
    ) -> None:
        self.raw = raw
        # Planner settings the connection already has for its whole session.
        self._session_planner = session_planner
        # Sent with the first statement of a write; None for reads (autocommit).
        self._begin = begin
        self.began = False
        self.committed = False

    async def run(self, *steps: Step, commit: bool = False, planner: Sequence[str] = ()) -> list[StepResult]:
        prefix, suffix = self._framing(commit=commit, planner=planner)
        raw = self.raw
        if not prefix and not suffix and len(steps) == 1 and steps[0].many is None:
            step = steps[0]
            cursor = await raw.execute(step.query.postgresql, step.params or {})
            rows = await cursor.fetchall() if cursor.description else []
            return [StepResult(rows, cursor.rowcount)]
        cursors: list[psycopg.AsyncCursor[Any] | None] = []
        async with raw.pipeline():
            for statement in prefix:
                await raw.execute(statement)
            for step in steps:
                if step.many is not None and not step.many:
                    cursors.append(None)
                    continue
                pending = raw.cursor()
                if step.many is not None:
                    await pending.executemany(step.query.postgresql, step.many)
                else:
                    await pending.execute(step.query.postgresql, step.params or {})
                cursors.append(pending)
            for statement in suffix:
                await raw.execute(statement)
        if suffix and self.began:
            self.committed = True
        results = []
        for done in cursors:
            if done is None:
                results.append(StepResult([], 0))
            else:
                rows = await done.fetchall() if done.description else []
                results.append(StepResult(rows, done.rowcount))
        return results

    def _framing(self, *, commit: bool, planner: Sequence[str]) -> tuple[list[str], list[str]]:
        """What goes before and after the statements: BEGIN with a write's first statements,
        COMMIT with its last, and the transaction that LOCAL planner settings need."""
        prefix: list[str] = []
        suffix: list[str] = []
        planner = [setting for setting in planner if setting not in self._session_planner]
        if self._begin is not None and not self.began:
            prefix, self.began = list(self._begin), True
        elif planner and self._begin is None:
            # A read: the settings need a transaction to be LOCAL to; it also gives the
            # statements one snapshot.
            prefix, suffix = ["BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"], ["COMMIT"]
        prefix += [f"SET LOCAL {setting}" for setting in planner]
        if commit and self.began:
            suffix = ["COMMIT"]
        return prefix, suffix


class PostgresDriver(Driver):
    dialect = "postgresql"

    def __init__(
        self,
        conninfo: str,
        *,
        connect_timeout: float,
        statement_timeout_ms: int,
        lock_timeout_ms: int,
        behind_pooler: bool,
        planner: Sequence[str] = (),
    ) -> None:
        self.conninfo = conninfo
        self.connect_timeout = connect_timeout
        self.behind_pooler = behind_pooler
        # Behind a transaction-mode pooler a session SET would stay on a server connection
        # that other clients share; only TimeZone is one the pooler tracks per client.
        # `planner`: settings every statement may have (see Connection.run); on a connection of
        # our own they are set once for the session, behind a pooler per transaction.
        self.session_planner: tuple[str, ...] = () if behind_pooler else tuple(planner)
        self.session_settings = (
            "SET TimeZone = 'UTC'"
            if behind_pooler
            else "; ".join(
                [
                    f"SET statement_timeout = {int(statement_timeout_ms)}",
                    f"SET lock_timeout = {int(lock_timeout_ms)}",
                    "SET idle_in_transaction_session_timeout = 60000",
                    "SET TimeZone = 'UTC'",
                    *(f"SET {setting}" for setting in self.session_planner),
                ]
            )
        )
        # Behind a pooler, the session settings may belong to another client's session.
        self.begin = ["BEGIN"]
        if behind_pooler:
            self.begin += [
                f"SET LOCAL statement_timeout = {int(statement_timeout_ms)}",
                f"SET LOCAL lock_timeout = {int(lock_timeout_ms)}",
            ]

    async def connect(self) -> psycopg.AsyncConnection[Any]:
        raw = await psycopg.AsyncConnection.connect(
            self.conninfo,
            autocommit=True,
            connect_timeout=max(2, round(self.connect_timeout)),
            # Behind a transaction-mode pooler, a prepared statement would land on another
            # backend; elsewhere psycopg prepares a statement after its 5th execution.
            prepare_threshold=None if self.behind_pooler else 5,
        )
        try:
            await raw.execute(self.session_settings)
        except BaseException:
            await raw.close()
            raise
        return raw

    async def close(self, raw: psycopg.AsyncConnection[Any]) -> None:
        await raw.close()

    def alive(self, raw: psycopg.AsyncConnection[Any]) -> bool:
        """An idle connection has nothing to read: if its socket is readable, the server closed
        it or said goodbye (a restart, a scaled-to-zero Neon compute, an idle timeout). A
        poll, not a round trip: the request that would have failed on it gets a new one."""
        if raw.closed or raw.broken:
            return False
        try:
            readable, _, _ = select.select([raw.fileno()], [], [], 0)
        except (OSError, ValueError):
            return False
        return not readable

    def connection(self, raw: psycopg.AsyncConnection[Any], *, write: bool) -> PostgresConnection:
        return PostgresConnection(
            raw, begin=self.begin if write else None, session_planner=self.session_planner
        )

    async def finish(self, connection: Connection, *, failed: bool) -> bool:
        assert isinstance(connection, PostgresConnection)
        raw = connection.raw
        if raw.closed or raw.broken:
            return False
        if connection.began and not connection.committed:
            await raw.execute("ROLLBACK" if failed else "COMMIT")
        elif raw.info.transaction_status != TransactionStatus.IDLE:
            # A read's transaction that an error interrupted.
            await raw.execute("ROLLBACK")
        return not (raw.closed or raw.broken)

    def translate(self, error: BaseException) -> BaseException | None:
        if isinstance(error, _TIMEOUTS):
            return DatabaseTimeout(_first_line(error))
        if isinstance(error, _CONFLICTS):
            return DatabaseBusy(_first_line(error))
        if isinstance(error, (*_UNAVAILABLE, psycopg.OperationalError, psycopg.InterfaceError)):
            return DatabaseUnavailable(_first_line(error))
        return None


def _first_line(error: BaseException) -> str:
    # Never the statement or its parameters: only the server's or the driver's first line.
    return (str(error).strip().splitlines() or [type(error).__name__])[0][:200]
