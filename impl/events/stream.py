"""One open event stream. It holds no pooled database connection and no admission slot while
it waits: it sleeps on its subscription (impl/changes/hub.py) and, when woken or at each
heartbeat, borrows a connection for one query, the caller's log entries after the last one
sent (which also proves the caller's login is still valid), and gives it back.

It ends, with a `retry:` hint where a reconnect makes sense, when the client goes away, the
caller's login ends (logout, password change, account deletion: the revoking write wakes it),
the instance shuts down, or the database fails.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import AsyncIterator

from starlette.types import Receive, Scope, Send

from generated.event_stream import EventStreamResponse as DeclaredEventStream
from impl.auth.identity import Caller
from impl.changes import log
from impl.changes.hub import Hub, Subscription
from impl.db.database import Database
from impl.db.errors import DatabaseBusy, DatabaseError
from impl.events import frames

logger = logging.getLogger("tasks_api.events")

MEDIA_TYPE = "text/event-stream"
HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
# Entries read per query; a longer backlog is read in as many queries as it takes.
BATCH = 200
# The client's reconnection delay: after a normal start, and after the stream was ended by a
# shutdown or a database failure (the client reconnects, to another instance, and resumes).
START_RETRY_MS = 2000
END_RETRY_MS = 1000
# An idle stream reads the log (and re-checks its login) every this many heartbeats.
READ_EVERY_HEARTBEATS = 4
# A read refused because the pool is busy is retried after up to this long.
BUSY_BACKOFF_SECONDS = 0.5


class EventStream:
    def __init__(
        self,
        *,
        database: Database,
        hub: Hub,
        caller: Caller,
        subscription: Subscription,
        cursor: int,
        heartbeat: float,
        prelude: bytes = b"",
    ) -> None:
        self.database = database
        self.hub = hub
        self.caller = caller
        self.subscription = subscription
        self.cursor = cursor
        self.heartbeat = heartbeat
        self.prelude = prelude
        # Heartbeats sent; the first check-read comes after a random number of them, so that
        # idle streams spread their reads out.
        self.beats = random.randrange(READ_EVERY_HEARTBEATS)  # noqa: S311

    async def frames(self) -> AsyncIterator[bytes]:
        yield frames.retry(START_RETRY_MS) + self.prelude
        read = True
        while True:
            if self.subscription.closing is not None:
                if self.subscription.closing == "shutdown":
                    yield frames.retry(END_RETRY_MS)
                return
            if read:
                try:
                    async with self.database.read() as connection:
                        entries = await log.entries_after(
                            connection, self.caller, after=self.cursor, limit=BATCH
                        )
                except DatabaseBusy:
                    # Every pooled connection is in use (a thousand streams woken at once):
                    # wait a moment, spread out, and read again; the stream stays open.
                    await asyncio.sleep(random.uniform(0.05, BUSY_BACKOFF_SECONDS))  # noqa: S311  (jitter)
                    continue
                except DatabaseError as error:
                    logger.warning("event stream ended: the database failed (%s)", error.reason)
                    yield frames.retry(END_RETRY_MS)
                    return
                if entries is None:
                    return  # the caller's login has ended
                if entries:
                    yield b"".join(frames.event(e.seq, e.kind, e.data) for e in entries)
                    self.cursor = entries[-1].seq
                    if len(entries) == BATCH:
                        continue
            # A little jitter: streams opened together (a reconnecting crowd) do not all wake,
            # and read, at the same instant.
            woken = await self.subscription.wait(self.heartbeat * random.uniform(0.9, 1.1))  # noqa: S311
            if woken:
                read = True
                continue
            yield frames.HEARTBEAT
            # Every few heartbeats, read anyway: it re-checks the caller's login, and picks up a
            # change whose notification was lost (an instance killed between commit and notify).
            self.beats += 1
            read = self.beats % READ_EVERY_HEARTBEATS == 0


class EventStreamResponse(DeclaredEventStream):
    """Sends the stream's frames as they come, and ends it as soon as the client goes away
    (noticed by reading the request side, not only at the next write)."""

    media_type = MEDIA_TYPE

    def __init__(self, stream: EventStream) -> None:
        super().__init__(stream.frames(), media_type=MEDIA_TYPE, headers=HEADERS)
        self.stream = stream

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        subscription = self.stream.subscription

        async def watch_disconnect() -> None:
            while (await receive())["type"] != "http.disconnect":
                pass
            subscription.close("disconnected")

        watcher = asyncio.create_task(watch_disconnect())
        try:
            await send(
                {"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers}
            )
            async for chunk in self.body_iterator:
                if subscription.closing == "disconnected":
                    break
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            if subscription.closing != "disconnected":
                await send({"type": "http.response.body", "body": b"", "more_body": False})
        except OSError:
            pass  # the client went away while we wrote
        finally:
            if subscription.closing == "disconnected":
                # The client closing its stream is how a stream normally ends, not a request
                # abandoned before its answer: the access log need not warn about it.
                scope.setdefault("state", {})["client_disconnected"] = False
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher
            self.stream.hub.unsubscribe(subscription)
            aclose = getattr(self.body_iterator, "aclose", None)
            if aclose is not None:
                await aclose()
