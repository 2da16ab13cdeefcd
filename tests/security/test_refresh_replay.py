"""Item 5: a refresh token replayed after rotation is a 401 and revokes its whole family;
logout revokes the family too, and only the caller's. The refresh and logout tests live here."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from impl.db.tables import RefreshTokenRow
from tests.accounts import LoggedIn, login
from tests.problems import Response, assert_problem

REFRESH = "/api/v1/auth/refresh"
LOGOUT = "/api/v1/auth/logout"
ME = "/api/v1/users/me"


@pytest.fixture
def alice(log_in: Callable[[str], LoggedIn]) -> LoggedIn:
    return log_in("alice@example.com")


@pytest.fixture
def bob(log_in: Callable[[str], LoggedIn]) -> LoggedIn:
    return log_in("bob@example.com")


def refresh(client: TestClient, token: str) -> Response:
    return client.post(REFRESH, json={"refresh_token": token})


def test_refresh_rotates_and_a_replayed_token_revokes_its_family(
    client: TestClient, alice: LoggedIn, db: Session
) -> None:
    first = refresh(client, alice.refresh_token)
    assert first.status_code == 200
    assert first.headers["cache-control"] == "no-store"
    descendant = first.json()["refresh_token"]
    assert descendant != alice.refresh_token
    other_device = login(client, alice.email, alice.password)

    body = assert_problem(refresh(client, alice.refresh_token), 401)  # the thief, or the victim
    assert body["type"] == "urn:tasks-api:problem:invalid-refresh-token"
    # Whoever holds the descendant is cut off too: the family is revoked...
    assert_problem(refresh(client, descendant), 401)
    # ...but not the other login.
    assert refresh(client, other_device["refresh_token"]).status_code == 200
    revoked = [row for row in db.exec(select(RefreshTokenRow)) if row.revoked_at is not None]
    assert len(revoked) == 2


def test_logout_needs_authentication_and_revokes_that_login(client: TestClient, alice: LoggedIn) -> None:
    other_login = login(client, alice.email, alice.password)
    rotated = refresh(client, alice.refresh_token).json()["refresh_token"]
    body = {"refresh_token": rotated}
    assert_problem(client.post(LOGOUT, json=body), 401)
    assert client.post(LOGOUT, json=body, headers=alice.headers).status_code == 204
    assert_problem(refresh(client, rotated), 401)
    assert_problem(refresh(client, alice.refresh_token), 401)
    # The access token of that login is revoked with it, at once (not when it expires)...
    assert_problem(client.get(ME, headers=alice.headers), 401)
    assert_problem(client.post(LOGOUT, json=body, headers=alice.headers), 401)
    # ...and only that login's: the other one goes on.
    other = {"Authorization": f"Bearer {other_login['access_token']}"}
    assert client.get(ME, headers=other).status_code == 200


def test_logout_cannot_revoke_another_users_tokens(
    client: TestClient, alice: LoggedIn, bob: LoggedIn
) -> None:
    out = client.post(LOGOUT, json={"refresh_token": bob.refresh_token}, headers=alice.headers)
    assert out.status_code == 204
    assert refresh(client, bob.refresh_token).status_code == 200


@pytest.mark.parametrize(
    ("token", "status"),
    [
        # Well-formed but unknown: 401. Outside the contract's shape: 422.
        ("x", 401),
        ("A" * 43, 401),
        ("A" * 256, 401),
        ("", 422),
        ("not base64!", 422),
        ("' OR 1=1 --", 422),
        ("x" * 257, 422),
    ],
    ids=["one-char", "43-chars", "256-chars", "empty", "not-base64url", "sql", "257-chars"],
)
def test_an_unknown_or_malformed_refresh_token_is_refused(
    client: TestClient, token: str, status: int
) -> None:
    body = assert_problem(refresh(client, token), status)
    if status == 422:
        assert body["errors"][0]["pointer"] == "/body/refresh_token"
    else:
        assert body["type"] == "urn:tasks-api:problem:invalid-refresh-token"
