"""EVENTS_FANOUT=redis: two server processes sharing one SQLite file and one Redis; a write
through one reaches a stream on the other through Redis pub/sub, and logging out through one
ends the login's stream on the other."""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx

from impl.migrate import upgrade
from tests.events.live import EVENTS, TASKS, Served
from tests.events.sse import FrameReader
from tests.security.test_rate_limits_across_servers import REDIS_URL, redis_or_skip
from tests.servers import running_server


def test_a_write_through_one_instance_reaches_a_stream_on_the_other(tmp_path: Path) -> None:
    redis_or_skip().close()
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    upgrade(url)
    env = {
        "RATE_LIMIT_ENABLED": "false",
        "EVENTS_FANOUT": "redis",
        "REDIS_URL": REDIS_URL,
        "RATE_LIMIT_KEY_PREFIX": f"tasks-api-test-{uuid.uuid4().hex[:8]}",
        # A minute between heartbeats: only Redis can bring the events in time.
        "EVENTS_HEARTBEAT_SECONDS": "60",
    }
    with running_server(url, env=env) as first, running_server(url, env=env) as second:
        user = Served(first, url).register("alice")
        with (
            httpx.Client(base_url=second, timeout=10) as on_second,
            on_second.stream("GET", EVENTS, headers=user.headers) as response,
            httpx.Client(base_url=first, timeout=10) as on_first,
        ):
            assert response.status_code == 200
            events = FrameReader(response)
            events.next()
            assert on_first.post(TASKS, json={"title": "via Redis"}, headers=user.headers).status_code == 201
            frame = events.next_event()
            assert frame.event == "task.created"
            assert '"via Redis"' in frame.text
            logout = on_first.post(
                "/api/v1/auth/logout", json={"refresh_token": user.refresh_token}, headers=user.headers
            )
            assert logout.status_code == 204
            assert [frame.event for frame in events.rest()] == []
