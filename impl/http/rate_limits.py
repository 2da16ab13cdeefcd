"""Rate limits on what an attacker repeats: password attempts, registrations, refreshes.

Counted with the `limits` library's moving window, per client address and per account: in
this process's memory by default, in Redis when REDIS_URL is set, so that every server process
sharing the Redis shares the counts. Per-address limits are the stricter ones: one client
runs out long before it could lock someone else's account, and account windows are short.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from limits import RateLimitItem, parse_many
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from impl.http.problems import RateLimited, RateLimitingUnavailable
from impl.ops import metrics
from impl.ops.log_throttle import RepeatedFailures
from impl.settings import Settings

logger = logging.getLogger("tasks_api.rate_limits")

LOGIN_ADDRESS = "login-address"
LOGIN_ACCOUNT = "login-account"
REGISTER_ADDRESS = "register-address"
REFRESH_ADDRESS = "refresh-address"


@dataclass(frozen=True)
class Check:
    policy: str
    key: str


def per_address(policy: str, address: str | None) -> Check:
    return Check(policy, address or "unknown")


def per_account(policy: str, account_key: str) -> Check:
    # Emails are personal data: the shared store only ever sees a digest of them.
    return Check(policy, hashlib.sha256(account_key.encode()).hexdigest()[:32])


def build_storage(settings: Settings) -> Storage:
    if settings.redis_url is None:
        return MemoryStorage()
    # The asyncio client of redis-py: counting never blocks the event loop.
    url = settings.redis_url.get_secret_value()
    return RedisStorage(
        url if url.startswith("async+") else f"async+{url}",
        implementation="redispy",
        key_prefix=settings.rate_limit_key_prefix,
        wrap_exceptions=True,
        socket_timeout=settings.redis_timeout_seconds,
        socket_connect_timeout=settings.redis_timeout_seconds,
        # redis-py retries 3 times with backoff by default: a hung Redis would hold each
        # request for seconds. One attempt, then 503 with Retry-After.
        retry=Retry(NoBackoff(), 0),  # type: ignore[arg-type]  # passed on to redis.asyncio.Redis
    )


class RateLimits:
    def __init__(self, settings: Settings) -> None:
        self.enabled = settings.rate_limit_enabled
        self._policies: dict[str, list[RateLimitItem]] = {
            LOGIN_ADDRESS: parse_many(settings.rate_limit_login_per_address),
            LOGIN_ACCOUNT: parse_many(settings.rate_limit_login_per_account),
            REGISTER_ADDRESS: parse_many(settings.rate_limit_register_per_address),
            REFRESH_ADDRESS: parse_many(settings.rate_limit_refresh_per_address),
        }
        self._limiter = MovingWindowRateLimiter(build_storage(settings)) if self.enabled else None
        self._failures = RepeatedFailures(logger)

    async def enforce(self, *checks: Check) -> None:
        """Charge one attempt to every check, or raise RateLimited if any has no quota left.

        All are tested before any is charged, so a refused request costs no other quota.
        """
        if self._limiter is None:
            return
        try:
            for check in checks:
                for item in self._policies[check.policy]:
                    if not await self._limiter.test(item, check.policy, check.key):
                        raise await self._limited(check, item)
            for check in checks:
                for item in self._policies[check.policy]:
                    if not await self._limiter.hit(item, check.policy, check.key):
                        raise await self._limited(check, item)
        except StorageError as error:
            # Fail closed: without counts, password guessing would be unlimited.
            self._failures.report(
                RateLimitingUnavailable.slug,
                "rate limit storage failed: %s",
                _first_line(error.storage_error),
            )
            raise RateLimitingUnavailable from error

    async def _limited(self, check: Check, item: RateLimitItem) -> RateLimited:
        assert self._limiter is not None
        metrics.RATE_LIMIT_REJECTIONS.labels(check.policy).inc()
        stats = await self._limiter.get_window_stats(item, check.policy, check.key)
        retry_after = max(1, math.ceil(stats.reset_time - time.time()))
        window = item.get_expiry()
        many = len(self._policies[check.policy]) > 1
        name = f"{check.policy}-{window}s" if many else check.policy
        return RateLimited(retry_after=retry_after, policy=name, limit=item.amount, window=window)


def _first_line(error: Exception) -> str:
    return f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"[:200]


def client_address(request: Request) -> str | None:
    """The client's address; behind a proxy listed in FORWARDED_ALLOW_IPS, uvicorn has already
    replaced it with the one from X-Forwarded-For."""
    return request.client.host if request.client else None


def get_rate_limits(request: Request) -> RateLimits:
    limits: RateLimits = request.app.state.rate_limits
    return limits


RateLimitsDep = Annotated[RateLimits, Depends(get_rate_limits)]
