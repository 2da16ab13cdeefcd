"""The account operations: the caller's profile, change the password, delete the account."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from impl.db.tables import TaskRow, UserRow
from tests.accounts import Account, login
from tests.problems import assert_problem

ME = "/api/v1/users/me"
NEW_PASSWORD = "purple elephant juggles seven lanterns"


def test_me_returns_the_caller(client: TestClient, alice: Account, bob: Account) -> None:
    assert client.get(ME, headers=alice.headers).json()["email"] == alice.email
    assert client.get(ME, headers=bob.headers).json()["email"] == bob.email


def test_change_password(client: TestClient, alice: Account, db: Session) -> None:
    before = db.exec(select(UserRow)).one()
    version, password_hash = before.token_version, before.password_hash
    response = client.post(
        f"{ME}/password",
        json={"current_password": alice.password, "new_password": NEW_PASSWORD},
        headers=alice.headers,
    )
    assert response.status_code == 204
    db.refresh(before)
    assert before.token_version == version + 1
    assert before.password_hash != password_hash
    assert before.password_hash is not None
    assert before.password_hash.startswith("$argon2id$")
    assert login(client, alice.email, NEW_PASSWORD)["access_token"]


def test_a_wrong_current_password_is_a_403_and_changes_nothing(client: TestClient, alice: Account) -> None:
    response = client.post(
        f"{ME}/password",
        json={"current_password": "not my password", "new_password": NEW_PASSWORD},
        headers=alice.headers,
    )
    body = assert_problem(response, 403)
    assert body["type"] == "urn:tasks-api:problem:wrong-password"
    assert client.get(ME, headers=alice.headers).status_code == 200
    assert login(client, alice.email, alice.password)["access_token"]


def test_delete_account(client: TestClient, alice: Account, bob: Account, db: Session) -> None:
    client.post("/api/v1/tasks", json={"title": "alice's"}, headers=alice.headers)
    client.post("/api/v1/tasks", json={"title": "bob's"}, headers=bob.headers)
    response = client.request("DELETE", ME, json={"password": alice.password}, headers=alice.headers)
    assert response.status_code == 204
    assert [row.email for row in db.exec(select(UserRow))] == [bob.email]
    assert [row.title for row in db.exec(select(TaskRow))] == ["bob's"]
    # The email is free again.
    assert (
        client.post(
            "/api/v1/auth/register", json={"email": alice.email, "password": NEW_PASSWORD}
        ).status_code
        == 201
    )


def test_delete_account_needs_the_password(client: TestClient, alice: Account, db: Session) -> None:
    assert_problem(
        client.request("DELETE", ME, json={"password": "wrong password"}, headers=alice.headers), 403
    )
    assert_problem(client.request("DELETE", ME, json={}, headers=alice.headers), 422)
    assert_problem(client.request("DELETE", ME, headers=alice.headers), 422)
    assert_problem(client.request("DELETE", ME, json={"password": alice.password}), 401)
    assert len(db.exec(select(UserRow)).all()) == 1
