"""POST /api/v1/events/tickets and `?ticket=`: for browsers' EventSource, which cannot send
an Authorization header. A ticket opens one stream, of its user, within 30 seconds; it is
worthless to anyone else afterwards and never an access token in a URL."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text

from impl.db.engine import build_engine
from tests.events.event_schemas import checked_event
from tests.events.live import EVENTS, TASKS, TICKETS, Served, User
from tests.events.sse import FrameReader
from tests.openapi_document import schema_validator
from tests.problems import assert_problem


def new_ticket(served: Served, user: User) -> str:
    with served.client() as client:
        response = client.post(TICKETS, headers=user.headers)
    assert response.status_code == 201, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert not list(schema_validator({"$ref": "#/components/schemas/EventTicket"}).iter_errors(body))
    ticket: str = body["ticket"]
    return ticket


def test_a_ticket_opens_one_stream_of_its_user(served: Served) -> None:
    alice = served.register("alice")
    bob = served.register("bob")
    ticket = new_ticket(served, alice)
    with served.client() as client, client.stream("GET", EVENTS, params={"ticket": ticket}) as response:
        assert response.status_code == 200
        events = FrameReader(response)
        client.post(TASKS, json={"title": "Bob's"}, headers=bob.headers)
        client.post(TASKS, json={"title": "Alice's"}, headers=alice.headers)
        frame = events.next_event()
        assert frame.event is not None
        assert checked_event(frame.event, frame.text)["title"] == "Alice's"
        # Spent: the same ticket opens nothing, even while its stream is open.
        assert_problem(client.get(EVENTS, params={"ticket": ticket}), 401)


def test_expired_unknown_and_anonymous_tickets_are_refused(served: Served) -> None:
    alice = served.register("alice")
    ticket = new_ticket(served, alice)
    engine = build_engine(served.database_url)
    with engine.begin() as connection:  # as if its 30 seconds had passed
        connection.execute(
            text("UPDATE event_tickets SET expires_at = :past"), {"past": datetime(2020, 1, 1, tzinfo=UTC)}
        )
    engine.dispose()
    with served.client() as client:
        assert "ticket" in assert_problem(client.get(EVENTS, params={"ticket": ticket}), 401)["detail"]
        assert_problem(client.get(EVENTS, params={"ticket": "A" * 43}), 401)
        assert_problem(client.post(TICKETS), 401)
        assert_problem(client.get(EVENTS, params={"ticket": "short"}), 422)


def test_a_ticket_of_an_ended_login_opens_nothing(served: Served) -> None:
    alice = served.register("alice")
    ticket = new_ticket(served, alice)
    with served.client() as client:
        assert (
            client.post(
                "/api/v1/auth/logout", json={"refresh_token": alice.refresh_token}, headers=alice.headers
            ).status_code
            == 204
        )
        response = client.get(EVENTS, params={"ticket": ticket})
    assert_problem(response, 401)
