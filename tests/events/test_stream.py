"""GET /api/v1/events against a real server on each backend: writes reach the stream as
events valid against the contract, in order, for their user only; Last-Event-ID (header or
`last_id`) replays what was missed; a resume the log cannot serve gets `resync`; heartbeats;
bad requests are problems."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httpx
from sqlalchemy import text

from impl.db.engine import build_engine
from tests.events.event_schemas import checked_event
from tests.events.live import EVENTS, TASKS, Served, User
from tests.events.sse import Frame, FrameReader
from tests.problems import assert_problem


@contextmanager
def stream(
    served: Served, user: User, *, headers: dict[str, str] | None = None, params: dict[str, str] | None = None
) -> Iterator[FrameReader]:
    with (
        served.client() as client,
        client.stream("GET", EVENTS, headers={**user.headers, **(headers or {})}, params=params) as response,
    ):
        assert response.status_code == 200, response.read()
        assert response.headers["content-type"].startswith("text/event-stream")
        assert response.headers["cache-control"] == "no-cache"
        assert response.headers["x-accel-buffering"] == "no"
        yield FrameReader(response)


def event(frame: Frame) -> tuple[int, str, dict[str, object]]:
    assert frame.id is not None
    assert frame.event is not None
    return int(frame.id), frame.event, checked_event(frame.event, frame.text)


def test_writes_reach_the_stream_in_order_and_match_the_contract(served: Served) -> None:
    alice = served.register("alice")
    with served.client() as client, stream(served, alice) as events:
        first = events.next()
        assert first is not None
        assert first.retry == 2000
        created = client.post(
            TASKS,
            json={"title": "Buy milk", "due_at": "2026-01-19T18:00:00Z", "recurrence": "FREQ=DAILY"},
            headers=alice.headers,
        ).json()
        url = f"{TASKS}/{created['id']}"
        client.patch(url, json={"priority": "high"}, headers=alice.headers)
        completed = client.post(f"{url}/complete", headers=alice.headers).json()
        client.delete(url, headers=alice.headers)
        received = [event(events.next_event()) for _ in range(5)]
    assert [seq for seq, _kind, _data in received] == [1, 2, 3, 4, 5]
    assert [kind for _seq, kind, _data in received] == [
        "task.created",
        "task.updated",
        "task.completed",
        "task.created",
        "task.deleted",
    ]
    assert received[0][2] == created
    assert received[2][2] == completed
    assert received[3][2]["id"] == completed["next_occurrence_id"]
    assert received[4][2]["object"] == "task_tombstone"


def test_two_devices_of_one_user_see_each_others_changes_and_no_one_elses(served: Served) -> None:
    alice = served.register("alice")
    alice_phone = served.log_in(alice)
    bob = served.register("bob")
    with served.client() as client, stream(served, alice) as laptop, stream(served, bob) as bobs:
        client.post(TASKS, json={"title": "Bob's secret"}, headers=bob.headers)
        client.post(TASKS, json={"title": "From the phone"}, headers=alice_phone.headers)
        _seq, kind, data = event(laptop.next_event())
        assert (kind, data["title"]) == ("task.created", "From the phone")
        _seq, kind, data = event(bobs.next_event())
        assert (kind, data["title"]) == ("task.created", "Bob's secret")
        # Bob's next frame is a heartbeat, never Alice's task.
        frame = bobs.next()
        assert frame is not None
        assert frame.comments == ["heartbeat"]
        assert frame.event is None


def test_last_event_id_replays_what_was_missed(served: Served) -> None:
    alice = served.register("alice")
    with served.client() as client:
        for title in ("one", "two", "three"):
            client.post(TASKS, json={"title": title}, headers=alice.headers)
    for resume in ({"headers": {"Last-Event-ID": "1"}}, {"params": {"last_id": "1"}}):
        with stream(served, alice, **resume) as events:
            replayed = [event(events.next_event()) for _ in range(2)]
        assert [(seq, data["title"]) for seq, _kind, data in replayed] == [(2, "two"), (3, "three")]
    # The header wins over the query parameter.
    with (
        served.client() as client,
        stream(served, alice, headers={"Last-Event-ID": "2"}, params={"last_id": "0"}) as events,
    ):
        client.post(TASKS, json={"title": "four"}, headers=alice.headers)
        assert [event(events.next_event())[0] for _ in range(2)] == [3, 4]


def test_a_resume_the_log_cannot_serve_gets_resync(served: Served) -> None:
    alice = served.register("alice")
    with served.client() as client:
        for title in ("one", "two", "three"):
            client.post(TASKS, json={"title": title}, headers=alice.headers)
    # The retention passed for the first two entries (as `tasks-api purge` leaves it).
    engine = build_engine(served.database_url)
    with engine.begin() as connection:
        owner = connection.execute(
            text("SELECT owner_id FROM events ORDER BY created_at DESC LIMIT 1")
        ).scalar()
        connection.execute(text("DELETE FROM events WHERE owner_id = :o AND seq <= 2"), {"o": owner})
        connection.execute(
            text("UPDATE event_counters SET purged_through = 2 WHERE owner_id = :o"), {"o": owner}
        )
    engine.dispose()
    # Purged, and beyond anything the log has: resync, with the latest id to carry on from.
    for latest, stale in ((3, "1"), (4, "99")):
        with served.client() as client, stream(served, alice, headers={"Last-Event-ID": stale}) as events:
            seq, kind, data = event(events.next_event())
            assert (seq, kind, data["object"]) == (latest, "resync", "resync")
            client.post(TASKS, json={"title": "after"}, headers=alice.headers)
            assert event(events.next_event())[:2] == (latest + 1, "task.created")
    with stream(served, alice, headers={"Last-Event-ID": "2"}) as events:
        assert event(events.next_event())[:2] == (3, "task.created")


def test_heartbeats_keep_an_idle_stream_open(served: Served) -> None:
    alice = served.register("alice")
    with stream(served, alice) as events:
        events.next()  # retry hint
        for _ in range(2):
            frame = events.next()
            assert frame is not None
            assert frame.comments == ["heartbeat"]


def test_bad_stream_requests_are_problems(served: Served) -> None:
    alice = served.register("alice")
    with served.client() as client:
        assert_problem(client.get(EVENTS), 401)
        bad_id = client.get(EVENTS, headers={**alice.headers, "Last-Event-ID": "abc"})
        assert assert_problem(bad_id, 422)["errors"][0]["pointer"] == "/header/Last-Event-ID"
        assert_problem(client.get(EVENTS, params={"last_id": "-1"}, headers=alice.headers), 422)
        assert_problem(client.get(EVENTS, headers={**alice.headers, "Accept": "text/html"}), 406)
        assert_problem(client.get(EVENTS, params={"ticket": "x" * 30}), 401)
        assert_problem(client.get(EVENTS, params={"since": "1"}, headers=alice.headers), 422)
        head = client.head(EVENTS, headers=alice.headers)
        assert head.status_code == 200
        assert head.headers["x-accel-buffering"] == "no"


def test_open_streams_per_user_are_capped(served: Served) -> None:
    alice = served.register("alice")
    with stream(served, alice), stream(served, alice), stream(served, alice), served.client() as client:
        assert_problem(client.get(EVENTS, headers=alice.headers), 429)
        # Another user is not held to Alice's cap.
        bob = served.register("bob")
        with client.stream("GET", EVENTS, headers=bob.headers) as response:
            assert response.status_code == 200
    # Closed streams free their places.
    with (
        stream(served, alice),
        httpx.Client(base_url=served.base_url) as client,
        client.stream("GET", EVENTS, headers=alice.headers) as response,
    ):
        assert response.status_code == 200
