"""Ending a login closes its open streams at once, here and (tests/faults) on other
instances: the revoking write wakes them, and their next read finds the caller no longer
valid. The heartbeat here is a minute, so a stream that ends within the client's read
timeout (10 s) was ended by the revocation, not by a heartbeat's check."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest

from tests.accounts import PASSWORD
from tests.databases import BACKENDS
from tests.events.live import EVENTS, TASKS, Served, User, served_backend
from tests.events.sse import FrameReader


@pytest.fixture(scope="module", params=BACKENDS)
def slow_heartbeat(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    env = {"RATE_LIMIT_ENABLED": "false", "EVENTS_HEARTBEAT_SECONDS": "60"}
    with served_backend(request.param, tmp_path_factory.mktemp("revocation"), env) as server:
        yield server


def log_out(client: httpx.Client, user: User) -> None:
    response = client.post(
        "/api/v1/auth/logout", json={"refresh_token": user.refresh_token}, headers=user.headers
    )
    assert response.status_code == 204


def change_password(client: httpx.Client, user: User) -> None:
    body = {"current_password": PASSWORD, "new_password": "a brand new passphrase 42"}
    assert client.post("/api/v1/users/me/password", json=body, headers=user.headers).status_code == 204


def delete_account(client: httpx.Client, user: User) -> None:
    response = client.request("DELETE", "/api/v1/users/me", json={"password": PASSWORD}, headers=user.headers)
    assert response.status_code == 204


@pytest.mark.parametrize("revoke", [log_out, change_password, delete_account])
def test_ending_the_login_closes_its_streams(
    slow_heartbeat: Served, revoke: Callable[[httpx.Client, User], None]
) -> None:
    served = slow_heartbeat
    alice = served.register("alice")
    other_login = served.log_in(alice)
    bob = served.register("bob")
    with (
        served.client() as client,
        client.stream("GET", EVENTS, headers=alice.headers) as mine,
        client.stream("GET", EVENTS, headers=other_login.headers) as other,
        client.stream("GET", EVENTS, headers=bob.headers) as bobs,
    ):
        streams = [FrameReader(mine), FrameReader(other), FrameReader(bobs)]
        for events in streams:
            events.next()  # the retry hint: the stream is open
        with served.client() as writer:
            revoke(writer, alice)
            # Alice's stream of this login ends; nothing is sent on it after the revocation.
            assert [frame.event for frame in streams[0].rest()] == []
            if revoke is log_out:
                # Logging out ends that login only: her other device still gets her changes.
                writer.post(TASKS, json={"title": "Still here"}, headers=other_login.headers)
                assert streams[1].next_event().event == "task.created"
            else:
                assert [frame.event for frame in streams[1].rest()] == []
            # Bob's stream is untouched.
            writer.post(TASKS, json={"title": "Bob's"}, headers=bob.headers)
            assert streams[2].next_event().event == "task.created"
