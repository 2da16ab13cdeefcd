"""The server's event loop: asyncio's selector loop, which accepts every waiting connection
when the listening socket is ready, and no more than the process has descriptors for.

uvloop (EVENT_LOOP=uvloop) is faster per request, but libuv accepts one connection per loop
turn: next to a thousand busy connections, a newcomer (a health probe) waits seconds in the
accept queue. asyncio accepts up to the listen backlog per turn, which under a flood could
take every descriptor before the protocol (impl/server/protocol.py) has a chance to close the
connections past its ceiling; so a turn accepts at most what is left below that ceiling (at
least one, which the protocol then closes if there is no room).
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable, Sized
from typing import Any

from impl.server.limits import http_limits


class _Tracked:
    # The set of this process's open connections (uvicorn's server state), registered by the
    # protocol with each connection.
    connections: Sized = ()


def track_connections(connections: Sized) -> None:
    _Tracked.connections = connections


class ServerEventLoop(asyncio.SelectorEventLoop):
    """uvicorn's `loop=` takes this class as the factory of the loop."""

    def _accept_connection(
        self,
        protocol_factory: Callable[[], asyncio.BaseProtocol],
        sock: socket.socket,
        sslcontext: Any = None,
        server: Any = None,
        backlog: int = 100,
        *args: Any,
    ) -> None:
        room = http_limits().max_open - len(_Tracked.connections)
        super()._accept_connection(  # type: ignore[misc]
            protocol_factory, sock, sslcontext, server, max(1, min(backlog, room)), *args
        )
