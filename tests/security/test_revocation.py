"""Item 4: the tokens of a deleted user, and every token issued before a password change,
stop working at once."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from impl.db.tables import RefreshTokenRow, TaskRow, UserRow
from tests.accounts import LoggedIn, login
from tests.problems import Response, assert_oauth2_error, assert_problem

ME = "/api/v1/users/me"
TASKS = "/api/v1/tasks"
NEW_PASSWORD = "purple elephant juggles seven lanterns"


@pytest.fixture
def alice(log_in: Callable[[str], LoggedIn]) -> LoggedIn:
    return log_in("alice@example.com")


@pytest.fixture
def bob(log_in: Callable[[str], LoggedIn]) -> LoggedIn:
    return log_in("bob@example.com")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def assert_revoked(response: Response) -> None:
    assert_problem(response, 401)
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_the_tokens_of_a_deleted_user_are_a_401(client: TestClient, alice: LoggedIn, db: Session) -> None:
    client.post(TASKS, json={"title": "mine"}, headers=alice.headers)
    deleted = client.request("DELETE", ME, json={"password": alice.password}, headers=alice.headers)
    assert deleted.status_code == 204
    assert_revoked(client.get(ME, headers=alice.headers))
    assert_revoked(client.get(TASKS, headers=alice.headers))
    assert_problem(client.post("/api/v1/auth/refresh", json={"refresh_token": alice.refresh_token}), 401)
    assert_oauth2_error(
        client.post("/api/v1/auth/token", data={"username": alice.email, "password": alice.password}),
        "invalid_grant",
    )
    assert db.exec(select(UserRow).where(UserRow.email_key == alice.email)).first() is None
    assert db.exec(select(TaskRow)).all() == []
    assert db.exec(select(RefreshTokenRow)).all() == []


def test_a_password_change_revokes_every_earlier_token(
    client: TestClient, alice: LoggedIn, db: Session
) -> None:
    other_login = login(client, alice.email, alice.password)  # a second device
    rotated = client.post("/api/v1/auth/refresh", json={"refresh_token": other_login["refresh_token"]}).json()
    earlier_access = [alice.access_token, other_login["access_token"], rotated["access_token"]]
    earlier_refresh = [alice.refresh_token, rotated["refresh_token"]]

    changed = client.post(
        f"{ME}/password",
        json={"current_password": alice.password, "new_password": NEW_PASSWORD},
        headers=alice.headers,
    )
    assert changed.status_code == 204
    assert changed.content == b""

    for token in earlier_access:
        assert_revoked(client.get(ME, headers=bearer(token)))
    for token in earlier_refresh:
        assert_problem(client.post("/api/v1/auth/refresh", json={"refresh_token": token}), 401)
    assert all(row.revoked_at is not None for row in db.exec(select(RefreshTokenRow)))

    assert_oauth2_error(
        client.post("/api/v1/auth/token", data={"username": alice.email, "password": alice.password}),
        "invalid_grant",
    )
    fresh = login(client, alice.email, NEW_PASSWORD)
    assert client.get(ME, headers=bearer(fresh["access_token"])).status_code == 200
    assert (
        client.post("/api/v1/auth/refresh", json={"refresh_token": fresh["refresh_token"]}).status_code == 200
    )


def test_a_password_change_does_not_touch_other_users(
    client: TestClient, alice: LoggedIn, bob: LoggedIn
) -> None:
    client.post(
        f"{ME}/password",
        json={"current_password": alice.password, "new_password": NEW_PASSWORD},
        headers=alice.headers,
    )
    assert client.get(ME, headers=bob.headers).status_code == 200
    assert client.post("/api/v1/auth/refresh", json={"refresh_token": bob.refresh_token}).status_code == 200
