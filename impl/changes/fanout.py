"""Fan-out between instances, so that a change committed on one reaches streams on all.

- local: one process (SQLite, or a single instance); the hub is told at commit.
- postgres: NOTIFY on the channel `tasks_api_events` after commit, LISTEN on a session of its
  own (a direct connection, never the pool's; Neon's -pooler endpoints cannot LISTEN: set
  EVENTS_DATABASE_URL to the direct endpoint).
- redis: PUBLISH / SUBSCRIBE on REDIS_URL.

A notification is only a wake-up: streams read the change log by number, so a notification
lost with a crashed instance or a dropped connection delays delivery (each stream also reads
the log at every heartbeat) but never loses a change. When the listening connection drops and
comes back, every local stream is woken to read what it may have missed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import uuid
from typing import Any

import psycopg

from impl.changes.hub import Hub
from impl.db.database import Database
from impl.db.engine import is_behind_pooler, normalize_url
from impl.settings import Settings

logger = logging.getLogger("tasks_api.events")

CHANNEL = "tasks_api_events"
RECONNECT_SECONDS = 0.5
# NOTIFY payloads are at most 8000 bytes: topics (user ids) go in chunks.
TOPICS_PER_MESSAGE = 150


class LocalFanout:
    name = "local"

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        # Tells this instance's own messages from the others'.
        self.origin = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"

    def committed(self, topics: frozenset[str]) -> None:
        self.hub.publish(topics)

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    def received(self, payload: str) -> None:
        origin, _, topics = payload.partition("|")
        if origin != self.origin:
            self.hub.publish(topic for topic in topics.split(",") if topic)


class _Relaying(LocalFanout):
    """Publishes committed topics in the background, batched, in order."""

    def __init__(self, hub: Hub) -> None:
        super().__init__(hub)
        self._pending: set[str] = set()
        self._flush: asyncio.Event | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self.connected = asyncio.Event()

    def committed(self, topics: frozenset[str]) -> None:
        self.hub.publish(topics)
        self._pending |= topics
        if self._flush is not None:
            self._flush.set()

    async def start(self) -> None:
        self._flush = asyncio.Event()
        self._tasks = [asyncio.create_task(self._send_loop()), asyncio.create_task(self._listen_loop())]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    async def _send_loop(self) -> None:
        assert self._flush is not None
        while True:
            await self._flush.wait()
            self._flush.clear()
            topics, self._pending = sorted(self._pending), set()
            for start in range(0, len(topics), TOPICS_PER_MESSAGE):
                payload = self.origin + "|" + ",".join(topics[start : start + TOPICS_PER_MESSAGE])
                try:
                    await self.send(payload)
                except Exception as error:
                    logger.warning("event fan-out: publishing failed (%s)", type(error).__name__)

    async def _listen_loop(self) -> None:
        while True:
            try:
                await self.listen()
            except asyncio.CancelledError:
                raise
            except Exception as error:
                logger.warning("event fan-out: listening failed (%s); reconnecting", type(error).__name__)
            self.connected.clear()
            await asyncio.sleep(RECONNECT_SECONDS)

    def listening(self) -> None:
        """Connected (again): wake every stream to read what it may have missed."""
        self.connected.set()
        self.hub.publish_all()

    async def send(self, payload: str) -> None:
        raise NotImplementedError

    async def listen(self) -> None:
        raise NotImplementedError


class PostgresFanout(_Relaying):
    name = "postgres"

    def __init__(self, hub: Hub, *, conninfo: str) -> None:
        super().__init__(hub)
        self.conninfo = conninfo
        # NOTIFY goes out on a connection of its own too, never one of the pool's: requests
        # never wait for the fan-out, nor the fan-out for them.
        self._sender: psycopg.AsyncConnection[Any] | None = None

    async def send(self, payload: str) -> None:
        try:
            if self._sender is None or self._sender.closed:
                self._sender = await self._connect()
            await self._sender.execute("SELECT pg_notify(%s, %s)", (CHANNEL, payload))
        except BaseException:
            if self._sender is not None:
                await self._sender.close()
                self._sender = None
            raise

    async def stop(self) -> None:
        await super().stop()
        if self._sender is not None:
            await self._sender.close()

    async def _connect(self) -> psycopg.AsyncConnection[Any]:
        return await psycopg.AsyncConnection.connect(
            self.conninfo, autocommit=True, connect_timeout=5, prepare_threshold=None
        )

    async def listen(self) -> None:
        connection = await self._connect()
        async with connection:
            await connection.execute(f"LISTEN {CHANNEL}")
            self.listening()
            async for notification in connection.notifies():
                self.received(notification.payload)


class RedisFanout(_Relaying):
    name = "redis"

    def __init__(self, hub: Hub, *, redis_url: str, prefix: str) -> None:
        super().__init__(hub)
        self.redis_url = redis_url
        self.channel = f"{prefix}:events"
        self._client: Any = None

    async def send(self, payload: str) -> None:
        if self._client is None:
            import redis.asyncio as redis  # noqa: PLC0415  (only with EVENTS_FANOUT=redis)

            self._client = redis.from_url(self.redis_url, socket_timeout=2, socket_connect_timeout=2)
        await self._client.publish(self.channel, payload)

    async def listen(self) -> None:
        import redis.asyncio as redis  # noqa: PLC0415

        client = redis.from_url(self.redis_url, socket_connect_timeout=2)
        try:
            pubsub = client.pubsub()
            await pubsub.subscribe(self.channel)
            self.listening()
            async for message in pubsub.listen():
                if message.get("type") == "message":
                    data = message["data"]
                    self.received(data.decode() if isinstance(data, bytes) else str(data))
        finally:
            await client.aclose()

    async def stop(self) -> None:
        await super().stop()
        if self._client is not None:
            await self._client.aclose()


def build_fanout(settings: Settings, hub: Hub, database: Database) -> LocalFanout:
    """The fan-out EVENTS_FANOUT names (auto: PostgreSQL's LISTEN/NOTIFY on PostgreSQL, else
    in-process). A LISTEN needs a session of its own: never through a -pooler endpoint."""
    choice = settings.events_fanout
    if choice == "auto":
        choice = "postgres" if database.dialect == "postgresql" else "local"
    if choice == "redis":
        if settings.redis_url is None:
            raise ValueError("EVENTS_FANOUT=redis needs REDIS_URL")
        return RedisFanout(
            hub, redis_url=settings.redis_url.get_secret_value(), prefix=settings.rate_limit_key_prefix
        )
    if choice == "postgres":
        if database.dialect != "postgresql":
            raise ValueError("EVENTS_FANOUT=postgres needs a PostgreSQL DATABASE_URL")
        raw = settings.events_database_url.get_secret_value() if settings.events_database_url else None
        url = normalize_url(raw or settings.database_url)
        if is_behind_pooler(url):
            raise ValueError(
                "the event fan-out LISTENs, which a -pooler endpoint (PgBouncer, transaction mode) "
                "cannot do: set EVENTS_DATABASE_URL to the direct endpoint (the host without -pooler)"
            )
        conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
        return PostgresFanout(hub, conninfo=conninfo)
    return LocalFanout(hub)
