"""Many open event streams from one asyncio process, on raw sockets (an HTTP/1.1 GET and a
line parser): light enough for a thousand at once."""

from __future__ import annotations

import asyncio
import json
import random
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit


class Refused(Exception):
    """503 or 429: try again shortly."""


@dataclass
class Received:
    seq: int
    kind: str
    entity: str
    at: float


@dataclass
class StreamClient:
    base_url: str
    token: str
    last_id: str | None = None
    events: list[Received] = field(default_factory=list)
    opened: asyncio.Event = field(default_factory=asyncio.Event)
    ended: asyncio.Event = field(default_factory=asyncio.Event)
    _writer: asyncio.StreamWriter | None = None

    async def run(self) -> None:
        """Open the stream (as EventSource does: after a 503 or 429, wait and try again), and
        read until the server ends it (or the connection drops)."""
        for _attempt in range(50):
            try:
                await self._run()
                return
            except Refused:
                await asyncio.sleep(random.uniform(0.1, 0.5))
        raise RuntimeError("the stream was refused 50 times")

    async def _run(self) -> None:
        parts = urlsplit(self.base_url)
        self.ended.clear()
        try:
            reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
            self._writer = writer
            resume = f"Last-Event-ID: {self.last_id}\r\n" if self.last_id else ""
            writer.write(
                (
                    f"GET /api/v1/events HTTP/1.1\r\nHost: {parts.netloc}\r\n"
                    f"Authorization: Bearer {self.token}\r\nAccept: text/event-stream\r\n{resume}\r\n"
                ).encode()
            )
            status = await reader.readline()
            if b" 503 " in status or b" 429 " in status:
                raise Refused(status.decode())
            if b" 200 " not in status:
                raise RuntimeError(f"stream refused: {status!r}")
            while (await reader.readline()) not in (b"\r\n", b""):
                pass
            fields: dict[str, str] = {}
            while line := await reader.readline():
                text = line.decode().rstrip("\r\n")
                if text.isalnum() and not fields and len(text) <= 8:
                    continue  # a chunk-size line (chunked transfer encoding)
                if text == "":
                    self._dispatch(fields)
                    fields = {}
                elif not text.startswith(":"):
                    name, _, value = text.partition(":")
                    fields[name] = value.removeprefix(" ")
        except (ConnectionError, OSError, asyncio.IncompleteReadError):
            return
        finally:
            self.ended.set()
            if self._writer is not None:
                self._writer.close()

    def _dispatch(self, fields: dict[str, str]) -> None:
        if "event" in fields and "id" in fields:
            data = json.loads(fields["data"])
            entity = str(data.get("id") or data.get("task_id") or "")
            self.events.append(Received(int(fields["id"]), fields["event"], entity, time.monotonic()))
            self.last_id = fields["id"]
        if "retry" in fields:
            self.opened.set()

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
