"""The per-user request quota: every authenticated request costs one unit (600 a minute by
default, RATE_LIMIT_PER_USER in the `limits` notation). Counted in fixed windows (one
increment and one expiry read per request) in an asyncio storage of its own, built like the
rate limits' (impl/http/rate_limits.py): this process's memory, or Redis when REDIS_URL is
set, so that every server sharing the Redis shares the counts. Responses to counted requests
carry RateLimit and RateLimit-Policy (draft-ietf-httpapi-ratelimit-headers); over the quota the
answer is a 429 problem.

If the store fails the request is served uncounted (and logged): the quota protects capacity,
and a Redis outage must not take the API down with it. The login limits, which protect
passwords, fail closed instead (impl/http/rate_limits.py).
"""

from __future__ import annotations

import hashlib
import logging
import math
import time

from fastapi import Request
from limits import RateLimitItem, parse_many
from limits.aio.storage import Storage
from limits.errors import StorageError

from impl.http.problems import RateLimited

logger = logging.getLogger("tasks_api.request_quota")

POLICY = "user"
# Where a dependency leaves headers for whatever response the request ends with
# (impl/http/middleware.py adds them): error responses get them too.
RESPONSE_HEADERS = "response_headers"


class RequestQuota:
    def __init__(self, limits: str, storage: Storage | None) -> None:
        self.items: list[RateLimitItem] = parse_many(limits)
        self.storage = storage  # None: rate limiting is off

    async def charge(self, caller: str) -> dict[str, str]:
        """Count one request of `caller`; the quota headers, or RateLimited when it is used up."""
        if self.storage is None:
            return {}
        now = time.time()
        tightest: tuple[int, RateLimitItem, float] | None = None
        try:
            for item in self.items:
                key = item.key_for(POLICY, caller)
                count = await self.storage.incr(key, item.get_expiry())
                left = item.amount - count
                if tightest is None or left < tightest[0]:
                    tightest = (left, item, await self.storage.get_expiry(key))
        except StorageError as error:
            logger.error("request quota storage failed, request not counted: %s", error.storage_error)
            return {}
        assert tightest is not None
        left, item, reset_at = tightest
        window = item.get_expiry()
        reset = max(1, math.ceil(reset_at - now))
        name = POLICY if len(self.items) == 1 else f"{POLICY}-{window}s"
        if left < 0:
            raise RateLimited(
                retry_after=reset,
                policy=name,
                limit=item.amount,
                window=window,
                detail=(
                    f"The request quota of {item.amount} requests per {window} seconds is used up; "
                    f"retry in {reset} seconds."
                ),
            )
        return {
            "RateLimit": f'"{name}";r={left};t={reset}',
            "RateLimit-Policy": f'"{name}";q={item.amount};w={window}',
        }


def caller_key(*parts: object) -> str:
    """The quota's key for a caller: a digest, so the store holds no identifiers."""
    return hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()[:32]


async def charge_request(request: Request, *caller: object) -> None:
    """Count this request against the caller's quota (raises RateLimited when it is used up)."""
    quota: RequestQuota = request.app.state.request_quota
    headers = await quota.charge(caller_key(*caller))
    if headers:
        request.scope.setdefault("state", {})[RESPONSE_HEADERS] = headers
