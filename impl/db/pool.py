"""A bounded pool of database connections, with admission control, for both drivers.

- At most `max_size` connections; a request that finds none idle waits at most `timeout`
  seconds, and if `max_waiting` requests already wait it is refused at once: both are
  `DatabaseBusy` (a 503 with Retry-After), never a stall.
- A connection is made by the request that needs it, not by a background task with a
  back-off: the first request after the database comes back gets a connection, so the
  service recovers as soon as the database does.
- A connection that failed, timed out, is older than `max_lifetime` or that the server closed
  while it was idle (`alive`: no round trip, e.g. Neon's compute scaling to zero) is closed,
  never handed out again.

Pools belong to one event loop (the server's). A request served on a loop that has no open
pool (a test client without lifespan) gets a connection of its own, closed after use.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from impl.db.errors import DatabaseBusy

logger = logging.getLogger("tasks_api.db.pool")

C = TypeVar("C")


@dataclass
class PoolStats:
    size: int = 0
    in_use: int = 0
    waiting: int = 0
    timeouts: int = 0
    rejected: int = 0


@dataclass
class _Pooled(Generic[C]):
    connection: C
    created: float


class Pool(Generic[C]):
    def __init__(
        self,
        *,
        connect: Callable[[], Awaitable[C]],
        close: Callable[[C], Awaitable[None]],
        alive: Callable[[C], bool] = lambda _connection: True,
        max_size: int,
        timeout: float,
        max_waiting: int,
        max_lifetime: float = 1800.0,
    ) -> None:
        self._connect = connect
        self._close = close
        self._alive = alive
        self.max_size = max_size
        self.timeout = timeout
        self.max_waiting = max_waiting
        self.max_lifetime = max_lifetime
        self._idle: deque[_Pooled[C]] = deque()
        self._waiters: deque[asyncio.Future[_Pooled[C] | None]] = deque()
        self._size = 0
        self._closed = False
        self.stats = PoolStats()
        self._closing: set[asyncio.Task[None]] = set()

    async def acquire(self) -> _Pooled[C]:
        if self._closed:
            raise DatabaseBusy("the database pool is closed: the service is shutting down")
        while self._idle:
            pooled = self._idle.pop()
            if time.monotonic() - pooled.created < self.max_lifetime and self._alive(pooled.connection):
                return self._lend(pooled)
            self._discard(pooled)
        if self._size < self.max_size:
            return self._lend(await self._new())
        return self._lend(await self._wait())

    def release(self, pooled: _Pooled[C], *, usable: bool) -> None:
        self.stats.in_use -= 1
        if not usable or self._closed:
            self._discard(pooled)
            # Whoever waits may now open a connection of its own.
            self._wake(None)
            return
        if not self._wake(pooled):
            self._idle.append(pooled)

    async def close(self) -> None:
        self._closed = True
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_exception(DatabaseBusy("the service is shutting down"))
        while self._idle:
            self._discard(self._idle.pop())
        if self._closing:
            await asyncio.gather(*self._closing, return_exceptions=True)

    def snapshot(self) -> PoolStats:
        self.stats.size = self._size
        self.stats.waiting = len(self._waiters)
        return self.stats

    def _lend(self, pooled: _Pooled[C]) -> _Pooled[C]:
        self.stats.in_use += 1
        return pooled

    async def _new(self) -> _Pooled[C]:
        self._size += 1
        try:
            connection = await self._connect()
        except BaseException:
            self._size -= 1
            self._wake(None)
            raise
        return _Pooled(connection, time.monotonic())

    async def _wait(self) -> _Pooled[C]:
        if len(self._waiters) >= self.max_waiting:
            self.stats.rejected += 1
            raise DatabaseBusy("every database connection is in use and too many requests wait for one")
        waiter: asyncio.Future[_Pooled[C] | None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            async with asyncio.timeout(self.timeout):
                pooled = await waiter
        except BaseException as error:
            if waiter.done() and not waiter.cancelled() and waiter.exception() is None:
                handed = waiter.result()
                if handed is not None:  # handed over just as this request gave up: pass it on
                    self.stats.in_use += 1
                    self.release(handed, usable=True)
            if isinstance(error, TimeoutError):
                self.stats.timeouts += 1
                raise DatabaseBusy(f"no database connection was free within {self.timeout:g} s") from None
            raise
        finally:
            if waiter in self._waiters:
                self._waiters.remove(waiter)
        if pooled is None:  # a connection was discarded: there is room for a new one
            return await self._new() if self._size < self.max_size else await self._wait()
        return pooled

    def _wake(self, pooled: _Pooled[C] | None) -> bool:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(pooled)
                return True
        return False

    def _discard(self, pooled: _Pooled[C]) -> None:
        self._size -= 1
        task = asyncio.get_running_loop().create_task(self._close_quietly(pooled.connection))
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    async def _close_quietly(self, connection: C) -> None:
        try:
            await self._close(connection)
        except Exception:  # a broken connection may fail to close; it is gone either way
            logger.debug("closing a discarded connection failed", exc_info=True)
