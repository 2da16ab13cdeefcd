"""The process is shutting down (SIGTERM): what long-lived responses listen for, so that they
end at once, with a hint to reconnect elsewhere, instead of holding the graceful shutdown
until its deadline. The server (impl/server/protocol.py) announces it; anything may listen."""

from __future__ import annotations

from collections.abc import Callable

_listeners: list[Callable[[], None]] = []


def on_draining(listener: Callable[[], None]) -> Callable[[], None]:
    """Call `listener` when the server starts shutting down; returns a function that stops it."""
    _listeners.append(listener)
    return lambda: _listeners.remove(listener) if listener in _listeners else None


def begin_draining() -> None:
    for listener in list(_listeners):
        listener()
