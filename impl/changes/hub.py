"""In-process fan-out: each open stream subscribes under its user's id and is woken when a
unit of work that noted that id commits (Database.on_commit), here or, through the
cross-instance fan-out (impl/changes/fanout.py), on another instance. A wake-up carries no
data: the stream reads the change log after its last number, so nothing committed between a
notification and the read can be lost, and a spurious or repeated wake-up costs one query.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable


class Subscription:
    __slots__ = ("_event", "closing", "topic")

    def __init__(self, topic: str) -> None:
        self.topic = topic
        self._event = asyncio.Event()
        # Why the stream must end (the instance is shutting down...), or None.
        self.closing: str | None = None

    def wake(self) -> None:
        self._event.set()

    def close(self, reason: str) -> None:
        self.closing = reason
        self._event.set()

    async def wait(self, timeout: float) -> bool:
        """Whether it was woken (True) or `timeout` passed (False)."""
        try:
            async with asyncio.timeout(timeout):
                await self._event.wait()
        except TimeoutError:
            return False
        self._event.clear()
        return True


class Hub:
    def __init__(self) -> None:
        self._topics: dict[str, set[Subscription]] = {}
        self.open = 0
        self.draining = False

    def count(self, topic: str) -> int:
        return len(self._topics.get(topic, ()))

    def subscribe(self, topic: str) -> Subscription:
        subscription = Subscription(topic)
        self._topics.setdefault(topic, set()).add(subscription)
        self.open += 1
        if self.draining:
            subscription.close("shutdown")
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        subscribers = self._topics.get(subscription.topic)
        if subscribers is not None and subscription in subscribers:
            subscribers.discard(subscription)
            self.open -= 1
            if not subscribers:
                del self._topics[subscription.topic]

    def publish(self, topics: Iterable[str]) -> None:
        for topic in topics:
            for subscription in self._topics.get(topic, ()):
                subscription.wake()

    def publish_all(self) -> None:
        """Wake every stream (after the fan-out lost and regained its connection: whatever
        was announced meanwhile is read from the log)."""
        for subscribers in self._topics.values():
            for subscription in subscribers:
                subscription.wake()

    def close_all(self, reason: str) -> None:
        self.draining = self.draining or reason == "shutdown"
        for subscribers in self._topics.values():
            for subscription in subscribers:
                subscription.close(reason)
