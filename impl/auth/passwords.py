"""Password hashing: argon2id with OWASP's parameters (19 MiB, 2 iterations, 1 lane).

Hashing is slow on purpose (tens of milliseconds of CPU). The coroutines below run it on
worker threads (argon2 releases the GIL), at most HASHING_THREADS at a time: logins queue
for a core instead of taking every core from the requests the event loop serves.
"""

from __future__ import annotations

import asyncio
import os
from functools import lru_cache
from weakref import WeakKeyDictionary

import anyio.to_thread
from anyio import CapacityLimiter
from passlib.context import CryptContext

_context = CryptContext(
    schemes=["argon2"],
    argon2__type="ID",
    argon2__memory_cost=19_456,
    argon2__time_cost=2,
    argon2__parallelism=1,
)


def hash_password(password: str) -> str:
    password_hash: str = _context.hash(password)
    return password_hash


def verify_password(password: str, password_hash: str) -> bool:
    try:
        return bool(_context.verify(password, password_hash))
    except ValueError:
        return False


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return hash_password("dummy password for unknown accounts")


def spend_verification_time(password: str) -> None:
    """Cost an unknown email the same as a wrong password, so timing does not reveal accounts."""
    verify_password(password, _dummy_hash())


def warm_up() -> None:
    _dummy_hash()


# One core stays for the event loop.
HASHING_THREADS = max(1, (os.cpu_count() or 2) - 1)
# A limiter belongs to its event loop: one per loop (a server has one; tests have more).
_limiters: WeakKeyDictionary[asyncio.AbstractEventLoop, CapacityLimiter] = WeakKeyDictionary()


def _limiter() -> CapacityLimiter:
    loop = asyncio.get_running_loop()
    limiter = _limiters.get(loop)
    if limiter is None:
        limiter = _limiters[loop] = CapacityLimiter(HASHING_THREADS)
    return limiter


async def hash_password_async(password: str) -> str:
    return await anyio.to_thread.run_sync(hash_password, password, limiter=_limiter())


async def verify_password_async(password: str, password_hash: str | None) -> bool:
    """Whether the password matches; with no hash (unknown account), as slowly as a wrong one."""
    if password_hash is None:
        await anyio.to_thread.run_sync(spend_verification_time, password, limiter=_limiter())
        return False
    return await anyio.to_thread.run_sync(verify_password, password, password_hash, limiter=_limiter())
