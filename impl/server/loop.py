"""The server's event loops, both accepting every waiting connection when the listening
socket is ready, and no more than the process has descriptors for.

`EVENT_LOOP=asyncio` (the default) is asyncio's selector loop, whose accept already takes the
whole queue per turn. `EVENT_LOOP=uvloop` is uvloop, whose libuv accepts one connection per
loop turn: next to a thousand busy connections a newcomer (a health probe) would wait seconds
in the accept queue, so the listening socket is not given to libuv: `UvloopServerLoop`
watches it itself, accepts the queue per turn and hands each connection to uvloop
(`connect_accepted_socket`).

Measured on 2 cores (scripts/bench-http, scripts/bench-events): under a 1,000-connection flood
a liveness probe on a fresh connection is answered in p99 0.5 s on asyncio, 2.2 s on this
uvloop (stock uvloop: timeouts past 5 s); with 1,000 idle event streams open, list-100 loses
14-19 % of its throughput on asyncio, 5-11 % on uvloop; steady-state throughput is the same
within the noise. asyncio is the default for the probe: an orchestrator that cannot reach a
loaded instance restarts it.

Under a flood, accepting the whole backlog at once could take every descriptor before the
protocol (impl/server/protocol.py) closes the connections past its ceiling; so a turn accepts
at most what is left below that ceiling (at least one, which the protocol closes if there is
no room).
"""

from __future__ import annotations

import asyncio
import errno
import logging
import socket
from collections.abc import Callable, Sized
from typing import Any

import uvloop

from impl.server.limits import http_limits

logger = logging.getLogger("tasks_api.connections")
ACCEPT_RETRY_SECONDS = 1.0
_OUT_OF_DESCRIPTORS = {errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM}


class _Tracked:
    # The set of this process's open connections (uvicorn's server state), registered by the
    # protocol with each connection.
    connections: Sized = ()


def track_connections(connections: Sized) -> None:
    _Tracked.connections = connections


def _room(backlog: int, handing_over: int = 0) -> int:
    """How many connections one turn may accept: those open and those accepted but not yet
    handed to their protocol count against the ceiling."""
    return max(1, min(backlog, http_limits().max_open - len(_Tracked.connections) - handing_over))


class ServerEventLoop(asyncio.SelectorEventLoop):
    """asyncio's loop (EVENT_LOOP=asyncio, the default); uvicorn's `loop=` takes the class as
    the factory."""

    def _accept_connection(
        self,
        protocol_factory: Callable[[], asyncio.BaseProtocol],
        sock: socket.socket,
        sslcontext: Any = None,
        server: Any = None,
        backlog: int = 100,
        *args: Any,
    ) -> None:
        super()._accept_connection(  # type: ignore[misc]
            protocol_factory, sock, sslcontext, server, _room(backlog, self._handing_over), *args
        )

    _handing_over = 0

    def _accept_connection2(self, *args: Any, **kwargs: Any) -> Any:
        # Called as each connection is accepted (the coroutine runs later, as a task): until it
        # has made the protocol, the connection counts against the ceiling here.
        self._handing_over += 1
        return self._counted(super()._accept_connection2(*args, **kwargs))  # type: ignore[misc]

    async def _counted(self, handing_over: Any) -> None:
        try:
            await handing_over
        finally:
            self._handing_over -= 1


class _Listener:
    """What uvicorn uses of an asyncio Server: its sockets, close() and wait_closed()."""

    def __init__(self, loop: UvloopServerLoop, sock: socket.socket, accept: Callable[[], None]) -> None:
        self._loop = loop
        self.sockets = [sock]
        self._accept = accept
        self._serving = True
        loop.add_reader(sock.fileno(), accept)

    def pause(self) -> None:
        if self._serving:
            self._loop.remove_reader(self.sockets[0].fileno())
            self._serving = False

    def resume(self) -> None:
        if not self._serving and self.sockets[0].fileno() != -1:
            self._loop.add_reader(self.sockets[0].fileno(), self._accept)
            self._serving = True

    def is_serving(self) -> bool:
        return self._serving

    def close(self) -> None:
        self.pause()
        self.sockets[0].close()

    async def wait_closed(self) -> None:
        return None


class UvloopServerLoop(uvloop.Loop):
    """uvloop, with the server's accept done here (EVENT_LOOP=uvloop)."""

    async def create_server(  # type: ignore[override]
        self,
        protocol_factory: Callable[[], asyncio.BaseProtocol],
        host: str | None = None,
        port: int | None = None,
        *,
        sock: socket.socket | None = None,
        ssl: Any = None,
        backlog: int = 100,
        **kwargs: Any,
    ) -> Any:
        if ssl is not None or kwargs:
            address: tuple[Any, ...] = (host, port)
            options: dict[str, Any] = {"sock": sock, "ssl": ssl, "backlog": backlog, **kwargs}
            return await super().create_server(protocol_factory, *address, **options)
        if sock is None:
            sock = socket.create_server((host or "", port or 0), backlog=backlog)
        else:
            sock.listen(backlog)  # a socket bound by uvicorn's supervisor is not listening yet
        sock.setblocking(False)

        def accept() -> None:
            for _ in range(_room(backlog, self._handing_over)):
                try:
                    connection, _address = sock.accept()
                except (BlockingIOError, InterruptedError, ConnectionAbortedError):
                    return
                except OSError as error:
                    if error.errno not in _OUT_OF_DESCRIPTORS:
                        raise
                    # No descriptor to accept with: stop watching for a second (as asyncio's
                    # loop does) instead of spinning on a socket that stays readable.
                    logger.warning("accept() out of descriptors: pausing %.0f s", ACCEPT_RETRY_SECONDS)
                    listener.pause()
                    self.call_later(ACCEPT_RETRY_SECONDS, listener.resume)
                    return
                connection.setblocking(False)
                self._handing_over += 1
                self.create_task(self._hand_over(protocol_factory, connection))

        listener = _Listener(self, sock, accept)
        return listener

    _handing_over = 0

    async def _hand_over(
        self, protocol_factory: Callable[[], asyncio.BaseProtocol], connection: socket.socket
    ) -> None:
        try:
            await self.connect_accepted_socket(protocol_factory, connection)
        except OSError:
            connection.close()  # the client went away before its transport was made
        finally:
            self._handing_over -= 1
