"""The service's way to its database: `async with database.read()` / `database.write()`.

A unit of work borrows one pooled connection and gives it back before the response is sent:
- `read()`: statements run on their own (autocommit), one round trip each. A read that must
  see one snapshot is written as one statement.
- `write()`: one transaction. BEGIN travels with the first statement and `run(..., commit=True)`
  sends COMMIT with the last ones, so on PostgreSQL a write of several statements is one
  round trip (a pipeline); leaving the block commits what was not committed yet, and an
  exception rolls everything back.
Every unit of work has a deadline: a database that hangs costs a request that long at most,
and the connection it hung on is thrown away.
"""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary

from impl.db.deadline import Deadline
from impl.db.errors import DatabaseTimeout
from impl.db.pool import Pool, PoolStats, _Pooled
from impl.db.sql import Dialect, Params, Query, Step, StepResult

Row = tuple[Any, ...]


class Connection(ABC):
    """One borrowed connection, inside `read()` or `write()`."""

    dialect: Dialect
    # Topics (e.g. a user id) that this unit of work changed, told to Database.on_commit
    # listeners once it has committed; never for a unit that rolled back.
    notes: set[str] | None = None

    def note(self, topic: str) -> None:
        if self.notes is None:
            self.notes = set()
        self.notes.add(topic)

    @abstractmethod
    async def run(self, *steps: Step, commit: bool = False, planner: Sequence[str] = ()) -> list[StepResult]:
        """Run the statements in order, in one round trip where the database allows it.

        `planner`: PostgreSQL planner settings (e.g. "enable_sort = off") that hold for these
        statements only; outside a write they also share one snapshot."""

    async def fetch_all(self, query: Query, params: Params | None = None) -> list[Row]:
        return (await self.run(Step(query, params)))[0].rows

    async def fetch_one(self, query: Query, params: Params | None = None) -> Row | None:
        rows = (await self.run(Step(query, params)))[0].rows
        return rows[0] if rows else None

    async def execute(self, query: Query, params: Params | None = None) -> int:
        return (await self.run(Step(query, params)))[0].rowcount


@dataclass(frozen=True)
class DatabaseLimits:
    pool_size: int
    pool_timeout: float
    max_waiting: int
    # The longest a unit of work may take, from borrowing the connection to giving it back.
    deadline: float
    connect_timeout: float


class Driver(ABC):
    """What differs between PostgreSQL and SQLite: connecting, and units of work."""

    dialect: Dialect

    @abstractmethod
    async def connect(self) -> Any: ...

    @abstractmethod
    async def close(self, raw: Any) -> None: ...

    @abstractmethod
    def connection(self, raw: Any, *, write: bool) -> Connection: ...

    def alive(self, raw: Any) -> bool:
        """Whether an idle connection may be handed out, judged without a round trip."""
        return True

    @abstractmethod
    async def finish(self, connection: Connection, *, failed: bool) -> bool:
        """Commit (or roll back after a failure) what is pending; whether `raw` is reusable."""

    @abstractmethod
    def translate(self, error: BaseException) -> BaseException | None:
        """The impl.db.errors exception for an expected driver failure, else None."""


class Database:
    def __init__(self, driver: Driver, limits: DatabaseLimits) -> None:
        self.driver = driver
        self.dialect: Dialect = driver.dialect
        self.limits = limits
        self._pools: WeakKeyDictionary[asyncio.AbstractEventLoop, Pool[Any]] = WeakKeyDictionary()
        self._commit_listeners: list[Callable[[frozenset[str]], None]] = []

    def on_commit(self, listener: Callable[[frozenset[str]], None]) -> None:
        """Call `listener` with a unit of work's notes after it committed (in the event loop,
        before the request's response is sent): how changes reach the event streams."""
        self._commit_listeners.append(listener)

    async def open(self) -> None:
        """Start pooling connections on the running loop (the server's lifespan calls this)."""
        loop = asyncio.get_running_loop()
        if loop not in self._pools:
            self._pools[loop] = Pool(
                connect=self._connect,
                close=self.driver.close,
                alive=self.driver.alive,
                max_size=self.limits.pool_size,
                timeout=self.limits.pool_timeout,
                max_waiting=self.limits.max_waiting,
            )

    async def close(self) -> None:
        pool = self._pools.pop(asyncio.get_running_loop(), None)
        if pool is not None:
            await pool.close()

    def stats(self) -> PoolStats:
        pools = list(self._pools.values())
        return pools[0].snapshot() if pools else PoolStats()

    @asynccontextmanager
    async def read(self) -> AsyncIterator[Connection]:
        async with self._unit(write=False) as connection:
            yield connection

    @asynccontextmanager
    async def write(self) -> AsyncIterator[Connection]:
        async with self._unit(write=True) as connection:
            yield connection

    @asynccontextmanager
    async def _unit(self, *, write: bool) -> AsyncIterator[Connection]:
        pool = self._pools.get(asyncio.get_running_loop())
        try:
            pooled = await pool.acquire() if pool is not None else _Pooled(await self._connect(), 0.0)
        except Exception as error:
            raise self._translated(error) from error
        connection = self.driver.connection(pooled.connection, write=write)
        usable = False
        succeeded = False
        try:
            async with Deadline(self.limits.deadline):
                try:
                    yield connection
                except asyncio.CancelledError:
                    # The deadline passed or the request was cancelled in the middle of a
                    # statement: the connection is in an unknown state and is thrown away.
                    raise
                except BaseException:
                    usable = await self.driver.finish(connection, failed=True)
                    raise
                usable = await self.driver.finish(connection, failed=False)
                succeeded = True
        except TimeoutError as error:
            usable = False
            raise DatabaseTimeout(f"the database did not answer within {self.limits.deadline:g} s") from error
        except Exception as error:
            translated = self.driver.translate(error)
            if translated is not None:
                raise translated from error
            raise
        finally:
            if pool is not None:
                pool.release(pooled, usable=usable)
            else:
                await self.driver.close(pooled.connection)
        if succeeded and connection.notes:
            notes = frozenset(connection.notes)
            for listener in self._commit_listeners:
                listener(notes)

    async def _connect(self) -> Any:
        async with asyncio.timeout(self.limits.connect_timeout + 1):
            return await self.driver.connect()

    def _translated(self, error: Exception) -> Exception:
        if isinstance(error, TimeoutError):
            return DatabaseTimeout("connecting to the database timed out")
        translated = self.driver.translate(error)
        return translated if isinstance(translated, Exception) else error
