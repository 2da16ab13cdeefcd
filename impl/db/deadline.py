"""A deadline that holds even when the database does not answer at all.

`asyncio.timeout` cancels the task once. psycopg answers that cancellation by asking the
server to cancel the query and waiting for it (up to 5 s, then 5 s more for the result): a
server that is frozen rather than down would keep the request that long past its deadline.
Cancelled a second time while it does that, psycopg closes the connection at once. So this
deadline cancels, and if the task is still running `GRACE_SECONDS` later, cancels again.
"""

from __future__ import annotations

import asyncio
from types import TracebackType

GRACE_SECONDS = 0.2


class Deadline:
    """`async with Deadline(seconds):` raises TimeoutError if the block runs out of time."""

    __slots__ = ("_cancels", "_expired", "_handle", "_seconds", "_task")

    def __init__(self, seconds: float) -> None:
        self._seconds = seconds
        self._task: asyncio.Task[object] | None = None
        self._handle: asyncio.TimerHandle | None = None
        self._expired = False
        self._cancels = 0

    async def __aenter__(self) -> Deadline:
        self._task = asyncio.current_task()
        self._handle = asyncio.get_running_loop().call_later(self._seconds, self._expire)
        return self

    def _expire(self) -> None:
        assert self._task is not None
        self._expired = True
        self._cancel()
        self._handle = asyncio.get_running_loop().call_later(GRACE_SECONDS, self._cancel)

    def _cancel(self) -> None:
        assert self._task is not None
        if not self._task.done():
            self._cancels += 1
            self._task.cancel()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._handle is not None:
            self._handle.cancel()
        if not self._expired:
            return
        assert self._task is not None
        # The cancellations were ours: the task goes on, with a TimeoutError instead.
        remaining = 0
        for _ in range(self._cancels):
            remaining = self._task.uncancel()
        if remaining == 0 and (exc_type is None or issubclass(exc_type, asyncio.CancelledError)):
            raise TimeoutError from exc
