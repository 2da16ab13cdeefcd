"""Readiness that tells the truth, and fast: the database answers and its schema is at the
migrations' head, and Redis answers when REDIS_URL is set. The checks run concurrently on
connections of their own (a busy request pool does not make the instance look down), with
short timeouts, and the probe waits for them at most DEADLINE_SECONDS: it answers within a
second even when a dependency hangs."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable

from alembic.script import ScriptDirectory
from limits.aio.storage import Storage

from impl.db.database import Database
from impl.db.engine import build_database
from impl.db.schema_migrations import alembic_config
from impl.db.sql import Query
from impl.http.rate_limits import build_storage
from impl.ops.log_throttle import RepeatedFailures
from impl.settings import Settings

logger = logging.getLogger("tasks_api.readiness")
DEADLINE_SECONDS = 0.7  # with the HTTP round trip, well inside the 1 s a probe may take
VERSIONS = Query.of("SELECT version_num FROM alembic_version")
# The probe's own database: one connection, timeouts well inside the deadline.
PROBE_SETTINGS = {
    "database_pool_size": 1,
    "database_pool_timeout_seconds": 0.5,
    "database_max_waiting": 4,
    "database_connect_timeout_seconds": 1.0,
    "database_statement_timeout_ms": 500,
    "database_lock_timeout_ms": 500,
}


class Readiness:
    def __init__(self, settings: Settings) -> None:
        self.database: Database = build_database(settings.model_copy(update=PROBE_SETTINGS))
        self.redis: Storage | None = build_storage(settings) if settings.redis_url is not None else None
        self.heads = frozenset(ScriptDirectory.from_config(alembic_config()).get_heads())
        self._failures = RepeatedFailures(logger)

    async def check(self) -> list[str]:
        """What is not ready (an empty list when all is)."""
        await self.database.open()
        checks: list[Awaitable[str | None]] = [self._database()]
        if self.redis is not None:
            checks.append(self._redis())
        tasks = [asyncio.ensure_future(check) for check in checks]
        done, pending = await asyncio.wait(tasks, timeout=DEADLINE_SECONDS)
        for task in pending:
            task.cancel()
        problems = [problem for task in done if (problem := task.result()) is not None]
        if pending:
            self._failures.report("readiness-timeout", "readiness: a dependency did not answer in time")
            problems.append("A dependency did not answer in time.")
        return problems

    async def _database(self) -> str | None:
        try:
            async with self.database.read() as connection:
                versions = frozenset(row[0] for row in await connection.fetch_all(VERSIONS))
        except Exception as error:
            self._failures.report("readiness-database", "readiness: database check failed: %s", _short(error))
            return "The database is not reachable."
        if versions != self.heads:
            self._failures.report(
                "readiness-migrations",
                "readiness: migrations at %s, head is %s",
                set(versions),
                set(self.heads),
            )
            return "The database schema is not at the latest migration."
        return None

    async def _redis(self) -> str | None:
        assert self.redis is not None
        try:
            reachable = await self.redis.check()
        except Exception as error:
            self._failures.report("readiness-redis", "readiness: Redis check failed: %s", _short(error))
            reachable = False
        return None if reachable else "Redis (the rate-limit store) is not reachable."

    async def close(self) -> None:
        await self.database.close()


def _short(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return f"{type(error).__name__}: {lines[0] if lines else ''}"[:300]
