"""The in-process hub: a commit's topics wake their subscribers and nobody else's; shutdown
closes every subscription, including one taken while it drains."""

from __future__ import annotations

import asyncio

from impl.changes.hub import Hub


def test_publishing_wakes_only_the_topics_subscribers() -> None:
    async def scenario() -> tuple[bool, bool, int]:
        hub = Hub()
        alice, bob = hub.subscribe("alice"), hub.subscribe("bob")
        hub.publish(frozenset({"alice"}))
        woken = await alice.wait(timeout=5)
        # Bob's wait ends by its timeout (a zero one: nothing is waited for).
        missed = await bob.wait(timeout=0)
        hub.unsubscribe(alice)
        hub.unsubscribe(bob)
        return woken, missed, hub.open

    assert asyncio.run(scenario()) == (True, False, 0)


def test_shutdown_closes_every_subscription() -> None:
    async def scenario() -> list[str | None]:
        hub = Hub()
        before = hub.subscribe("alice")
        hub.close_all("shutdown")
        after = hub.subscribe("bob")
        woken = await before.wait(timeout=5)
        assert woken
        return [before.closing, after.closing]

    assert asyncio.run(scenario()) == ["shutdown", "shutdown"]
