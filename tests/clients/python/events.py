"""The event stream end to end from Python: the generated client for the JSON calls (through
Prism in scripts/client-check), httpx for the text/event-stream (straight from the server:
a validating proxy would buffer a stream that never ends). Two devices of one user: a change
made on one reaches the other's stream, and a reconnect with Last-Event-ID replays what it
missed.

    python tests/clients/python/events.py BASE_URL STREAM_URL
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from http import HTTPStatus
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent / "generated"))

from tasks_api_client import AuthenticatedClient, Client
from tasks_api_client.api.auth import issue_token, register_user
from tasks_api_client.api.events import create_event_ticket
from tasks_api_client.api.tasks import create_task, update_task
from tasks_api_client.models import (
    EventTicket,
    RegisterRequest,
    Task,
    TaskCreate,
    TaskUpdate,
    TokenPair,
    TokenRequest,
    TokenRequestGrantType,
    User,
)


class ContractViolation(AssertionError):
    pass


def check(condition: bool, what: str) -> None:
    if not condition:
        raise ContractViolation(what)


def events(response: httpx.Response) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(id, event, data) of each event of a text/event-stream; comments and retry hints skipped."""
    fields: dict[str, str] = {}
    for line in response.iter_lines():
        if line == "":
            if "event" in fields:
                yield fields["id"], fields["event"], json.loads(fields["data"])
            fields = {}
        elif not line.startswith(":"):
            name, _, value = line.partition(":")
            fields[name] = value.removeprefix(" ")


def main(base_url: str, stream_url: str) -> None:
    anonymous = Client(base_url=base_url, raise_on_unexpected_status=True)
    email, password = f"python-events-{time.time_ns()}@example.com", "python events password"
    registered = register_user.sync_detailed(
        client=anonymous, body=RegisterRequest(email=email, password=password)
    )
    check(isinstance(registered.parsed, User), "register")

    def log_in() -> AuthenticatedClient:
        grant = TokenRequest(grant_type=TokenRequestGrantType.PASSWORD, username=email, password=password)
        tokens = issue_token.sync_detailed(client=anonymous, body=grant).parsed
        check(isinstance(tokens, TokenPair), "log in")
        assert isinstance(tokens, TokenPair)
        return AuthenticatedClient(base_url=base_url, token=tokens.access_token)

    laptop, phone = log_in(), log_in()
    timeout = httpx.Timeout(10.0)  # a bounded wait for each event
    with (
        httpx.Client(base_url=stream_url, timeout=timeout) as http,
        http.stream("GET", "/api/v1/events", headers={"Authorization": f"Bearer {laptop.token}"}) as response,
    ):
        check(response.status_code == HTTPStatus.OK, f"stream: {response.status_code}")
        check(response.headers["content-type"].startswith("text/event-stream"), "stream media type")
        received = events(response)
        created = create_task.sync_detailed(client=phone, body=TaskCreate(title="From the phone")).parsed
        check(isinstance(created, Task), "create on the phone")
        assert isinstance(created, Task)
        event_id, kind, data = next(received)
        check(kind == "task.created", f"first event: {kind}")
        check(Task.from_dict(data).to_dict() == created.to_dict(), f"the laptop saw {data}")
        print("ok 1 - a task created on the phone reaches the laptop's stream (httpx)")

    # Offline for a while: the phone renames it; the laptop reconnects with Last-Event-ID.
    renamed = update_task.sync_detailed(task_id=created.id, client=phone, body=TaskUpdate(title="Renamed"))
    check(isinstance(renamed.parsed, Task), "rename on the phone")
    ticket = create_event_ticket.sync_detailed(client=laptop).parsed
    check(isinstance(ticket, EventTicket), "a stream ticket")
    assert isinstance(ticket, EventTicket)
    with (
        httpx.Client(base_url=stream_url, timeout=timeout) as http,
        http.stream(
            "GET", "/api/v1/events", params={"ticket": ticket.ticket, "last_id": event_id}
        ) as response,
    ):
        check(response.status_code == HTTPStatus.OK, f"resumed stream: {response.status_code}")
        _resumed_id, kind, data = next(events(response))
        check(kind == "task.updated" and Task.from_dict(data).title == "Renamed", f"replayed {kind} {data}")
    print("ok 2 - a ticket-opened stream resuming from last_id replays the rename it missed")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        raise SystemExit("usage: events.py BASE_URL [STREAM_URL]")
    main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else sys.argv[1])
    print("events e2e: 2 steps passed")
