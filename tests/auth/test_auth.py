"""Registration, login, refresh rotation with reuse detection, logout, access-token checks."""

from __future__ import annotations

import time
import uuid

import pytest
from fastapi.testclient import TestClient
from joserfc import jwt
from joserfc.jwk import OctKey
from sqlmodel import Session, select

from impl.auth.tokens import hash_refresh_token
from impl.db.tables import RefreshTokenRow, UserRow
from tests.conftest import PASSWORD, TEST_SECRET, Account, assert_problem, login, register

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


def test_email_is_unique_case_insensitively(client: TestClient, alice: Account) -> None:
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
        assert assert_problem(response, 422)["errors"][0]["pointer"] == "/body/password"  # type: ignore[index]


def test_login_sets_no_store_and_returns_a_bearer_pair(client: TestClient, alice: Account) -> None:
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


def test_wrong_password_and_unknown_email_get_the_same_answer(client: TestClient, alice: Account) -> None:
    wrong = client.post("/api/v1/auth/token", data={"username": alice.email, "password": "not the password"})
    unknown = client.post(
        "/api/v1/auth/token", data={"username": "nobody@example.com", "password": "whatever1"}
    )
    wrong_body, unknown_body = assert_problem(wrong, 401), assert_problem(unknown, 401)
    del wrong_body["request_id"], unknown_body["request_id"]
    assert wrong_body == unknown_body
    assert wrong.headers["www-authenticate"] == unknown.headers["www-authenticate"]


def test_login_rejects_a_json_body_with_415(client: TestClient, alice: Account) -> None:
    response = client.post("/api/v1/auth/token", json={"username": alice.email, "password": PASSWORD})
    assert_problem(response, 415)


def test_refresh_rotates_and_a_replayed_token_revokes_the_family(
    client: TestClient, alice: Account, db: Session
) -> None:
    first = client.post("/api/v1/auth/refresh", json={"refresh_token": alice.refresh_token})
    assert first.status_code == 200
    assert first.headers["cache-control"] == "no-store"
    rotated = first.json()["refresh_token"]
    assert rotated != alice.refresh_token

    replay = client.post("/api/v1/auth/refresh", json={"refresh_token": alice.refresh_token})
    assert_problem(replay, 401)
    # The thief's replay also kills the legitimate successor.
    assert_problem(client.post("/api/v1/auth/refresh", json={"refresh_token": rotated}), 401)
    row = db.exec(
        select(RefreshTokenRow).where(RefreshTokenRow.token_hash == hash_refresh_token(rotated))
    ).one()
    assert row.revoked_at is not None


def test_refresh_tokens_are_stored_only_as_hashes(client: TestClient, alice: Account, db: Session) -> None:
    hashes = db.exec(select(RefreshTokenRow.token_hash)).all()
    assert hash_refresh_token(alice.refresh_token) in hashes
    assert alice.refresh_token not in hashes


def test_other_logins_survive_a_revoked_family(client: TestClient, alice: Account) -> None:
    other = login(client, alice.email)
    client.post("/api/v1/auth/refresh", json={"refresh_token": alice.refresh_token})
    client.post("/api/v1/auth/refresh", json={"refresh_token": alice.refresh_token})  # replay
    assert (
        client.post("/api/v1/auth/refresh", json={"refresh_token": other["refresh_token"]}).status_code == 200
    )


@pytest.mark.parametrize("token", ["", "x", "A" * 256, "not base64!"])
def test_unknown_or_malformed_refresh_tokens_are_rejected(client: TestClient, token: str) -> None:
    response = client.post("/api/v1/auth/refresh", json={"refresh_token": token})
    assert response.status_code in {401, 422}
    assert_problem(response, response.status_code)


def test_logout_revokes_the_family_and_needs_authentication(client: TestClient, alice: Account) -> None:
    body = {"refresh_token": alice.refresh_token}
    assert_problem(client.post("/api/v1/auth/logout", json=body), 401)
    assert client.post("/api/v1/auth/logout", json=body, headers=alice.headers).status_code == 204
    assert_problem(client.post("/api/v1/auth/refresh", json=body), 401)
    # Idempotent.
    assert client.post("/api/v1/auth/logout", json=body, headers=alice.headers).status_code == 204


def test_logout_cannot_revoke_another_users_tokens(client: TestClient, alice: Account, bob: Account) -> None:
    response = client.post(
        "/api/v1/auth/logout", json={"refresh_token": bob.refresh_token}, headers=alice.headers
    )
    assert response.status_code == 204
    assert client.post("/api/v1/auth/refresh", json={"refresh_token": bob.refresh_token}).status_code == 200


def forge(
    claims: dict[str, object], *, secret: str = TEST_SECRET, header: dict[str, object] | None = None
) -> str:
    return jwt.encode(header or {"alg": "HS256", "typ": "at+jwt"}, claims, OctKey.import_key(secret.encode()))


def valid_claims(user_id: str) -> dict[str, object]:
    now = int(time.time())
    return {
        "iss": "tasks-api",
        "aud": "tasks-api",
        "sub": user_id,
        "iat": now,
        "exp": now + 60,
        "jti": uuid.uuid4().hex,
        "ver": 0,
    }


def test_a_forged_token_with_the_right_secret_works(client: TestClient, alice: Account) -> None:
    # Sanity check for the failure cases below: only the one thing changed makes them fail.
    token = forge(valid_claims(alice.user_id))
    assert client.get(ME, headers={"Authorization": f"Bearer {token}"}).status_code == 200


@pytest.mark.parametrize(
    "change",
    [
        {"exp": int(time.time()) - 120},
        {"iss": "someone-else"},
        {"aud": "someone-else"},
        {"sub": "not-a-uuid"},
        {"sub": str(uuid.uuid4())},
        {"ver": 1},
        {"iat": int(time.time()) + 3600},
        {"exp": None},
        {"sub": None},
        {"jti": None},
        {"iat": None},
    ],
    ids=lambda change: ",".join(f"{k}={v}" for k, v in change.items()),
)
def test_bad_claims_are_401(client: TestClient, alice: Account, change: dict[str, object]) -> None:
    claims = {**valid_claims(alice.user_id), **change}
    claims = {k: v for k, v in claims.items() if v is not None}
    response = client.get(ME, headers={"Authorization": f"Bearer {forge(claims)}"})
    assert_problem(response, 401)
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_wrong_key_alg_none_and_tampering_are_401(client: TestClient, alice: Account) -> None:
    claims = valid_claims(alice.user_id)
    wrong_key = forge(claims, secret="another-secret-" + "y" * 40)
    header, payload, signature = forge(claims).split(".")
    other_payload = forge({**claims, "sub": str(uuid.uuid4())}).split(".")[1]
    unsigned = "eyJhbGciOiJub25lIiwidHlwIjoiYXQrand0In0." + payload + "."
    for token in (wrong_key, f"{header}.{other_payload}.{signature}", unsigned, "garbage", "a.b.c"):
        assert_problem(client.get(ME, headers={"Authorization": f"Bearer {token}"}), 401)


def test_a_refresh_token_is_not_an_access_token(client: TestClient, alice: Account) -> None:
    assert_problem(client.get(ME, headers={"Authorization": f"Bearer {alice.refresh_token}"}), 401)


def test_a_token_in_the_query_string_is_ignored(client: TestClient, alice: Account) -> None:
    assert_problem(client.get(ME, params={"access_token": alice.access_token}), 401)


def test_a_deleted_users_token_is_401(client: TestClient, alice: Account, db: Session) -> None:
    db.delete(db.get(UserRow, uuid.UUID(alice.user_id)))
    db.commit()
    assert_problem(client.get(ME, headers=alice.headers), 401)


def test_me_returns_the_caller(client: TestClient, alice: Account, bob: Account) -> None:
    assert client.get(ME, headers=alice.headers).json()["email"] == alice.email
    assert client.get(ME, headers=bob.headers).json()["email"] == bob.email


def test_register_then_login_flow(client: TestClient) -> None:
    account = register(client, "erin@example.com")
    assert client.get(ME, headers=account.headers).json()["id"] == account.user_id
