"""The text/event-stream wire format (WHATWG HTML, "Server-sent events"): what the stream
writes, in one place. Event data is one line of JSON (orjson never writes a raw newline)."""

from __future__ import annotations

import orjson

HEARTBEAT = b": heartbeat\n\n"
RESYNC = "resync"


def retry(milliseconds: int) -> bytes:
    """How long the client should wait before reconnecting (EventSource obeys it)."""
    return f"retry: {milliseconds}\n\n".encode()


def event(seq: int, kind: str, data: str | bytes) -> bytes:
    body = data.encode() if isinstance(data, str) else data
    return b"id: %d\nevent: %s\ndata: %s\n\n" % (seq, kind.encode(), body)


def resync(seq: int, detail: str) -> bytes:
    return event(seq, RESYNC, orjson.dumps({"object": "resync", "detail": detail}))
