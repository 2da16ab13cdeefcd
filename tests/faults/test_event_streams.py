"""Event streams on real server processes: SIGTERM ends them at once with a `retry:` hint
(without holding the shutdown to its deadline); a database restart ends them the same way,
and a client that reconnects with Last-Event-ID misses nothing; two instances on one
PostgreSQL share changes (LISTEN/NOTIFY), revocations and reminders (each fired once)."""

from __future__ import annotations

import signal
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import psycopg

from tests.accounts import PASSWORD
from tests.events.event_schemas import checked_event
from tests.events.sse import FrameReader
from tests.faults.postgres_cluster import PostgresCluster
from tests.faults.server_process import running, wait_for

EVENTS = "/api/v1/events"
TASKS = "/api/v1/tasks"


def register(base_url: str) -> tuple[dict[str, str], str]:
    """A new user's Authorization header and refresh token."""
    email = f"stream-{uuid.uuid4().hex[:8]}@example.com"
    with httpx.Client(base_url=base_url, timeout=10) as client:
        assert (
            client.post("/api/v1/auth/register", json={"email": email, "password": PASSWORD}).status_code
            == 201
        )
        tokens = client.post("/api/v1/auth/token", data={"username": email, "password": PASSWORD}).json()
    return {"Authorization": f"Bearer {tokens['access_token']}"}, tokens["refresh_token"]


@contextmanager
def opened(base_url: str, headers: dict[str, str]) -> Iterator[FrameReader]:
    with (
        httpx.Client(base_url=base_url, timeout=10) as client,
        client.stream("GET", EVENTS, headers=headers) as response,
    ):
        assert response.status_code == 200
        events = FrameReader(response)
        first = events.next()
        assert first is not None
        assert first.retry == 2000
        yield events


def create(base_url: str, headers: dict[str, str], title: str) -> dict[str, object]:
    with httpx.Client(base_url=base_url, timeout=10) as client:
        response = client.post(TASKS, json={"title": title}, headers=headers)
    assert response.status_code == 201, response.text
    body: dict[str, object] = response.json()
    return body


def test_sigterm_ends_streams_at_once_with_a_retry_hint(tmp_path: Path) -> None:
    # A shutdown deadline far longer than the wait below: the stream must not hold it.
    with running(f"sqlite:///{tmp_path / 'tasks.db'}", {"SHUTDOWN_TIMEOUT_SECONDS": "60"}) as server:
        headers, _refresh = register(server.url)
        with opened(server.url, headers) as events:
            server.send(signal.SIGTERM)
            rest = events.rest()
            assert [frame.retry for frame in rest if frame.retry is not None] == [1000]
        # uvicorn re-raises the signal once it has shut down.
        assert server.wait_exit(timeout=15) in {0, -signal.SIGTERM}


def test_a_database_restart_ends_streams_and_they_resume_without_loss(
    cluster: PostgresCluster, database_url: str
) -> None:
    env = {"EVENTS_HEARTBEAT_SECONDS": "0.5", "DATABASE_CONNECT_TIMEOUT_SECONDS": "2"}
    with running(database_url, env) as server:
        headers, _refresh = register(server.url)
        with opened(server.url, headers) as events:
            for title in ("one", "two"):
                create(server.url, headers, title)
            seen = [events.next_event() for _ in range(2)]
            cluster.stop("fast")
            rest = events.rest()
        assert [frame.retry for frame in rest if frame.retry is not None] == [1000]
        cluster.start()

        def written(title: str) -> bool:
            with httpx.Client(base_url=server.url, timeout=5) as client:
                return client.post(TASKS, json={"title": title}, headers=headers).status_code == 201

        wait_for(lambda: written("three"), timeout=30, interval=0.2)
        create(server.url, headers, "four")
        last = seen[-1].id
        assert last == "2"
        with opened(server.url, {**headers, "Last-Event-ID": last}) as resumed:
            replayed = [resumed.next_event() for _ in range(2)]
        titles = [checked_event(str(frame.event), frame.text)["title"] for frame in replayed]
        assert [frame.id for frame in replayed] == ["3", "4"]
        assert titles == ["three", "four"]


def test_two_instances_share_changes_revocations_and_reminders(database_url: str) -> None:
    env = {"EVENTS_HEARTBEAT_SECONDS": "60", "REMINDER_POLL_SECONDS": "0.2"}
    with running(database_url, env) as a, running(database_url, env) as b:
        headers, refresh = register(a.url)
        # A write through A reaches a stream on B (and B's through A's), in order.
        with opened(b.url, headers) as on_b, opened(a.url, headers) as on_a:
            create(a.url, headers, "written on A")
            create(b.url, headers, "written on B")
            for events in (on_b, on_a):
                frames = [events.next_event() for _ in range(2)]
                assert [checked_event(str(f.event), f.text)["title"] for f in frames] == [
                    "written on A",
                    "written on B",
                ]

        # Reminders due at once, claimed by both instances: each fires exactly once.
        remind_at = datetime.now(UTC) + timedelta(seconds=3)
        for index in range(40):
            with httpx.Client(base_url=(a.url, b.url)[index % 2], timeout=10) as client:
                body = {"title": f"r{index}", "remind_at": remind_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")}
                assert client.post(TASKS, json=body, headers=headers).status_code == 201

        def fired() -> list[str]:
            with psycopg.connect(database_url) as connection:
                rows = connection.execute("SELECT data FROM events WHERE kind = 'reminder.due'").fetchall()
            return [checked_event("reminder.due", row[0])["title"] for row in rows]

        wait_for(lambda: len(fired()) >= 40, timeout=30, interval=0.2)
        # Every reminder is marked fired in the transaction of its event, so none can be
        # claimed again: the 40 events are all there will ever be.
        with psycopg.connect(database_url) as connection:
            pending = connection.execute("SELECT count(*) FROM reminders WHERE fired_at IS NULL").fetchone()
        assert pending == (0,)
        assert sorted(fired()) == sorted(f"r{index}" for index in range(40))

        # Logging out through A closes the login's stream on B (heartbeats are a minute apart).
        with opened(b.url, headers) as on_b, httpx.Client(base_url=a.url, timeout=10) as client:
            logout = client.post("/api/v1/auth/logout", json={"refresh_token": refresh}, headers=headers)
            assert logout.status_code == 204
            assert [frame.event for frame in on_b.rest()] == []
