"""uvicorn's httptools protocol with the limits a public server needs, so that no proxy has
to stand in front for safety:

- a request's header section over MAX_HEADER_BYTES is answered 431 as soon as the limit is
  passed (the rest is never parsed, so a huge header costs no CPU and blocks nobody);
- a connection whose request headers have not all arrived HEADER_READ_TIMEOUT_SECONDS after
  its first byte (or after it opened) is closed: idle and slowloris connections go away;
- a request body that has not all arrived BODY_READ_TIMEOUT_SECONDS after its headers is
  abandoned (408 if nothing was answered yet) and the connection closed;
- past MAX_CONNECTIONS open connections, a new one is answered 503 with Retry-After and
  closed; past a ceiling below the file-descriptor limit, it is closed at once, so the
  process never runs out of descriptors (and recovers as soon as the flood stops);
- a client that goes away before its answer is marked in the request's state, so that the
  access log says so.

Refusals are problem documents like every other error. After one, the connection is
half-closed and what the client still sends is read and dropped for LINGER_SECONDS, so that
the client reads the answer instead of a reset.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from impl.http.problems import PROBLEM_MEDIA_TYPE, problem_body
from impl.ops.draining import begin_draining
from impl.ops.log_throttle import RepeatedFailures
from impl.server.limits import http_limits
from impl.server.loop import track_connections

logger = logging.getLogger("tasks_api.connections")
failures = RepeatedFailures(logger)
LINGER_SECONDS = 1.0
OVER_CAPACITY_GRACE_SECONDS = 0.5
HEAD_END = b"\r\n\r\n"
BUSY = "The server is at its connection limit; retry shortly."


class HardenedHttpToolsProtocol(HttpToolsProtocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limits = http_limits()
        track_connections(self.connections)
        self._in_head = True  # waiting for (the rest of) a request's header section
        self._head_bytes = 0
        self._tail = b""  # the last bytes seen, in case the blank line is split between reads
        self._awaiting_body = False
        self._over_capacity = False
        self._lingering = False
        self._timer: asyncio.TimerHandle | None = None

    # Connection events

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if len(self.connections) > self.limits.max_open:
            self.transport.close()  # no descriptor to spare, not even for an answer
            return
        if len(self.connections) > self.limits.max_connections:
            self._over_capacity = True
            # Answer the request if it comes at once; otherwise just hang up.
            self._arm(OVER_CAPACITY_GRACE_SECONDS, self._close)
            failures.report(
                "connection-limit", "at the connection limit (%d): refusing", self.limits.max_connections
            )
            return
        self._arm(self.limits.header_read_timeout, self._headers_too_slow)

    def data_received(self, data: bytes) -> None:
        if self._lingering:
            return  # after a refusal, what the client still sends is dropped
        if self._over_capacity:
            self._refuse(503, "server-busy", "Server busy", BUSY, retry_after=1)
            return
        if self._in_head:
            if self._timer is None:  # the first byte of a request after a keep-alive pause
                self._arm(self.limits.header_read_timeout, self._headers_too_slow)
            if self._head_too_large(data):
                limit = self.limits.max_header_bytes
                failures.report("header-too-large", "refused a request with over %d bytes of headers", limit)
                detail = f"The request's header section exceeds {limit} bytes."
                self._refuse(431, "header-fields-too-large", "Request Header Fields Too Large", detail)
                return
        super().data_received(data)
        if self._awaiting_body and self._timer is None and not self._lingering:
            self._arm(self.limits.body_read_timeout, self._body_too_slow)

    def shutdown(self) -> None:
        # uvicorn calls this on every open connection when it starts shutting down: long-lived
        # responses (event streams) end now, with a reconnect hint, rather than at the deadline.
        begin_draining()
        super().shutdown()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        cycle = self.cycle
        if cycle is not None and not cycle.response_complete:
            cycle.scope["state"]["client_disconnected"] = True
        super().connection_lost(exc)

    # Parser callbacks

    def on_headers_complete(self) -> None:
        self._in_head = False
        self._head_bytes = 0
        self._tail = b""
        self._disarm()
        self._awaiting_body = True
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self._awaiting_body = False
        self._in_head = True
        self._disarm()
        super().on_message_complete()

    # Limits

    def _head_too_large(self, data: bytes) -> bool:
        window = self._tail + data
        end = window.find(HEAD_END)
        if end == -1:
            self._head_bytes += len(data)
            self._tail = window[-3:]
            return self._head_bytes > self.limits.max_header_bytes
        return self._head_bytes + end + len(HEAD_END) - len(self._tail) > self.limits.max_header_bytes

    def _headers_too_slow(self) -> None:
        self._timer = None
        if self._head_bytes or self._tail:
            failures.report(
                "header-timeout",
                "closed a connection whose request headers took over %.0f s",
                self.limits.header_read_timeout,
            )
            self._refuse(
                408, "request-timeout", "Request Timeout", "The request's headers did not arrive in time."
            )
        else:
            self._close()  # idle: nothing to answer

    def _body_too_slow(self) -> None:
        self._timer = None
        failures.report(
            "body-timeout",
            "closed a connection whose request body took over %.0f s",
            self.limits.body_read_timeout,
        )
        cycle = self.cycle
        if cycle is not None and not cycle.response_started:
            cycle.response_started = True  # the app's own answer, if it tries one, is dropped
            self._refuse(
                408, "request-timeout", "Request Timeout", "The request's body did not arrive in time."
            )
        else:
            self._close()
        if cycle is not None:
            cycle.scope["state"]["client_disconnected"] = True
            cycle.disconnected = True
            cycle.message_event.set()

    def _refuse(
        self, status: int, slug: str, title: str, detail: str, *, retry_after: int | None = None
    ) -> None:
        self._lingering = True
        self._disarm()
        body = problem_body(status=status, slug=slug, title=title, detail=detail, instance="")
        head = [
            STATUS_LINE[status],
            b"content-type: " + PROBLEM_MEDIA_TYPE.encode() + b"\r\n",
            b"content-length: " + str(len(body)).encode() + b"\r\n",
            b"x-content-type-options: nosniff\r\n",
            b"cache-control: no-store\r\n",
            b"connection: close\r\n",
        ]
        if retry_after is not None:
            head.append(b"retry-after: " + str(retry_after).encode() + b"\r\n")
        transport = self.transport
        if transport is None or transport.is_closing():
            return
        transport.write(b"".join([*head, b"\r\n", body]))
        if transport.can_write_eof():
            transport.write_eof()
        self.flow.resume_reading()  # keep reading, to drop the rest rather than reset
        self._arm(LINGER_SECONDS, self._close)

    def _arm(self, seconds: float, callback: Any) -> None:
        self._disarm()
        self._timer = self.loop.call_later(seconds, callback)

    def _disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _close(self) -> None:
        self._timer = None
        if self.transport is not None and not self.transport.is_closing():
            self.transport.close()
