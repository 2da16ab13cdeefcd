"""The connection-level limits the server enforces, from the settings and the process's
file-descriptor limit (read once per process)."""

from __future__ import annotations

import resource
from dataclasses import dataclass
from functools import lru_cache

from impl.settings import Settings, get_settings

# File descriptors kept for what is not a client connection: database and Redis
# connections, log files, the listening socket, imports.
RESERVED_DESCRIPTORS = 64


@dataclass(frozen=True)
class HttpLimits:
    max_header_bytes: int
    header_read_timeout: float
    body_read_timeout: float
    max_connections: int  # past this, new connections are answered 503
    max_open: int  # past this, new connections are closed at once: descriptors stay available


def raise_descriptor_limit() -> int:
    """Use every file descriptor the hard limit allows; return the (new) soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        soft = hard
    return soft


def connection_limits(settings: Settings, descriptors: int) -> tuple[int, int]:
    """(MAX_CONNECTIONS, the hard ceiling), lowered to fit the descriptors: a tenth of what
    remains above the cap is kept for answering 503 to those who come over it."""
    reserved = RESERVED_DESCRIPTORS + settings.database_pool_size
    ceiling = max(2, descriptors - reserved)
    return max(1, min(settings.max_connections, ceiling - max(1, ceiling // 10))), ceiling


@lru_cache
def http_limits() -> HttpLimits:
    settings = get_settings()
    max_connections, max_open = connection_limits(settings, raise_descriptor_limit())
    return HttpLimits(
        max_header_bytes=settings.max_header_bytes,
        header_read_timeout=settings.header_read_timeout_seconds,
        body_read_timeout=settings.body_read_timeout_seconds,
        max_connections=max_connections,
        max_open=max_open,
    )
