"""Readiness that tells the truth, and fast: the database answers (and its schema is at the
migrations' head), and Redis answers when REDIS_URL is set. Each check runs on its own
thread with short timeouts of its own; the probe waits for them at most DEADLINE_SECONDS,
so it answers within a second even when a dependency hangs (a hung check is abandoned, and
ends on its own timeouts)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_for_all
from dataclasses import dataclass

from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text

from impl.db.engine import build_engine
from impl.http.rate_limits import build_storage
from impl.migrate import alembic_config
from impl.ops.log_throttle import RepeatedFailures
from impl.settings import Settings

logger = logging.getLogger("tasks_api.readiness")
DEADLINE_SECONDS = 0.8


@dataclass(frozen=True)
class ProbeTimeouts:
    database_connect_timeout_seconds: float = 2.0
    database_statement_timeout_ms: int = 500
    database_lock_timeout_ms: int = 500


class Readiness:
    def __init__(self, settings: Settings) -> None:
        # A pool of its own: an exhausted request pool must not make the probe fail.
        self.engine: Engine = build_engine(
            settings.database_url, pool_size=1, max_overflow=1, pool_timeout=0.5, timeouts=ProbeTimeouts()
        )
        self.redis = build_storage(settings) if settings.redis_url is not None else None
        self.heads: set[str] | None = None
        self._executor = ThreadPoolExecutor(max_workers=4, thread_name_prefix="readiness")
        self._failures = RepeatedFailures(logger)

    def _database(self) -> str | None:
        if self.heads is None:
            self.heads = set(ScriptDirectory.from_config(alembic_config()).get_heads())
        try:
            with self.engine.connect() as connection:
                versions = set(connection.execute(text("SELECT version_num FROM alembic_version")).scalars())
        except Exception as error:
            self._failures.report(
                "readiness-database", "readiness: the database check failed: %s", _short(error)
            )
            return "The database is not reachable."
        if versions != self.heads:
            self._failures.report(
                "readiness-migrations", "readiness: migrations at %s, head is %s", versions, self.heads
            )
            return "The database schema is not at the latest migration."
        return None

    def _redis(self) -> str | None:
        assert self.redis is not None
        try:
            reachable = self.redis.check()
        except Exception as error:
            self._failures.report("readiness-redis", "readiness: the Redis check failed: %s", _short(error))
            reachable = False
        return None if reachable else "Redis (the rate-limit store) is not reachable."

    def _submit(self) -> list[Future[str | None]]:
        checks: list[Callable[[], str | None]] = [self._database]
        if self.redis is not None:
            checks.append(self._redis)
        return [self._executor.submit(check) for check in checks]

    def check(self) -> list[str]:
        """What is not ready, or an empty list. Blocks at most DEADLINE_SECONDS."""
        futures = self._submit()
        wait_for_all(futures, timeout=DEADLINE_SECONDS)
        return _outcome(futures)

    async def check_async(self) -> list[str]:
        futures = self._submit()
        await asyncio.wait([asyncio.wrap_future(future) for future in futures], timeout=DEADLINE_SECONDS)
        return _outcome(futures)

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
        self.engine.dispose()


def _outcome(futures: list[Future[str | None]]) -> list[str]:
    problems = []
    for future in futures:
        if not future.done():
            problems.append("A dependency did not answer in time.")
        elif (problem := future.result()) is not None:
            problems.append(problem)
    return problems


def _short(error: BaseException) -> str:
    original = getattr(error, "orig", None) or error
    lines = str(original).strip().splitlines()
    return f"{type(original).__name__}: {lines[0] if lines else ''}"[:300]
