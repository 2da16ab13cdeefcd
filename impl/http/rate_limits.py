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

from impl.http.problems import RateLimited, ServiceUnavailable
from impl.settings import Settings

logger = logging.getLogger("tasks_api.rate_limits")

LOGIN_ADDRESS = "login-address"
LOGIN_ACCOUNT = "login-account"
REGISTER_ADDRESS = "register-address"
REFRESH_ADDRESS = "refresh-address"
REDIS_TIMEOUT_SECONDS = 2.0


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
        socket_timeout=REDIS_TIMEOUT_SECONDS,
        socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
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
            logger.error("rate limit storage failed: %s", error.storage_error)
            raise ServiceUnavailable("Rate limiting is unavailable; retry shortly.") from error

    async def _limited(self, check: Check, item: RateLimitItem) -> RateLimited:
        assert self._limiter is not None
        stats = await self._limiter.get_window_stats(item, check.policy, check.key)
        retry_after = max(1, math.ceil(stats.reset_time - time.time()))
        window = item.get_expiry()
        many = len(self._policies[check.policy]) > 1
        name = f"{check.policy}-{window}s" if many else check.policy
        return RateLimited(retry_after=retry_after, policy=name, limit=item.amount, window=window)


def client_address(request: Request) -> str | None:
    """The client's address; behind a proxy listed in FORWARDED_ALLOW_IPS, uvicorn has already
    replaced it with the one from X-Forwarded-For."""
    return request.client.host if request.client else None


def get_rate_limits(request: Request) -> RateLimits:
    limits: RateLimits = request.app.state.rate_limits
    return limits


RateLimitsDep = Annotated[RateLimits, Depends(get_rate_limits)]
