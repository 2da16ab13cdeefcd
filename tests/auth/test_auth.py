"""Registration, login, refresh rotation with reuse detection, logout, access-token checks."""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from impl.auth.tokens import hash_refresh_token
from impl.db.tables import RefreshTokenRow, UserRow
from tests.accounts import PASSWORD, LoggedIn, register
from tests.problems import assert_oauth2_error, assert_problem

ME = "/api/v1/users/me"


def test_register_returns_the_user_without_password_material(client: TestClient, db: Session) -> None:
    response = client.post("/api/v1/auth/register", json={"email": "Carol@Example.com", "password": PASSWORD})
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "email", "created_at"}
    assert body["email"] == "Carol@example.com"
    row = db.exec(select(UserRow).where(UserRow.email_key == "carol@example.com")).one()
    assert row.password_hash is not None
    assert row.password_hash.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert PASSWORD not in response.text


def test_email_is_unique_case_insensitively(client: TestClient, alice: LoggedIn) -> None:
    response = client.post("/api/v1/auth/register", json={"email": "ALICE@example.COM", "password": PASSWORD})
    body = assert_problem(response, 409)
    assert body["type"] == "urn:tasks-api:problem:email-taken"


@pytest.mark.parametrize(
    ("password", "ok"),
    [("a" * 7, False), ("a" * 8, True), ("é" * 128, True), ("a" * 129, False), ("passw\x00rd", False)],
)
def test_password_length_is_8_to_128_characters(client: TestClient, password: str, ok: bool) -> None:
    response = client.post("/api/v1/auth/register", json={"email": "dave@example.com", "password": password})
    if ok:
        assert response.status_code == 201
    else:
        assert assert_problem(response, 422)["errors"][0]["pointer"] == "/body/password"


def test_login_sets_no_store_and_returns_a_bearer_pair(client: TestClient, alice: LoggedIn) -> None:
    response = client.post("/api/v1/auth/token", data={"username": "ALICE@example.com", "password": PASSWORD})
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 900
    assert (
        client.get(ME, headers={"Authorization": f"Bearer {body['access_token']}"}).json()["id"]
        == alice.user_id
    )


def test_wrong_password_and_unknown_email_get_the_same_answer(client: TestClient, alice: LoggedIn) -> None:
    wrong = client.post("/api/v1/auth/token", data={"username": alice.email, "password": "not the password"})
    unknown = client.post(
        "/api/v1/auth/token", data={"username": "nobody@example.com", "password": "whatever1"}
    )
    assert assert_oauth2_error(wrong, "invalid_grant") == assert_oauth2_error(unknown, "invalid_grant")
    assert "www-authenticate" not in wrong.headers
    assert "www-authenticate" not in unknown.headers


def test_login_rejects_a_json_body_with_415(client: TestClient, alice: LoggedIn) -> None:
    response = client.post("/api/v1/auth/token", json={"username": alice.email, "password": PASSWORD})
    assert_problem(response, 415)


def test_refresh_tokens_are_stored_only_as_hashes(client: TestClient, alice: LoggedIn, db: Session) -> None:
    hashes = db.exec(select(RefreshTokenRow.token_hash)).all()
    assert hash_refresh_token(alice.refresh_token) in hashes
    assert alice.refresh_token not in hashes


def test_a_refresh_token_is_not_an_access_token(client: TestClient, alice: LoggedIn) -> None:
    assert_problem(client.get(ME, headers={"Authorization": f"Bearer {alice.refresh_token}"}), 401)


def test_a_deleted_users_token_is_401(client: TestClient, alice: LoggedIn, db: Session) -> None:
    db.delete(db.get(UserRow, uuid.UUID(alice.user_id)))
    db.commit()
    assert_problem(client.get(ME, headers=alice.headers), 401)


def test_register_then_login_flow(client: TestClient) -> None:
    account = register(client, "erin@example.com")
    assert client.get(ME, headers=account.headers).json()["id"] == account.user_id
