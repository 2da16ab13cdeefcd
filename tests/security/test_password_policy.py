"""Item 13: passwords of 8 to 128 characters, not common or leaked, not the email; no
composition rules, no truncation."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from impl.auth.password_policy import common_passwords
from impl.db.tables import UserRow
from tests.accounts import Account, login, register
from tests.problems import assert_oauth2_error, assert_problem

REGISTER = "/api/v1/auth/register"
CHANGE = "/api/v1/users/me/password"


def register_with(client: TestClient, password: str, email: str = "carol@example.com") -> Any:
    return client.post(REGISTER, json={"email": email, "password": password})


@pytest.mark.parametrize("password", ["", "short", "7 chars", "x" * 129, "é" * 129])
def test_a_password_shorter_than_8_or_longer_than_128_is_a_422(
    client: TestClient, db: Session, password: str
) -> None:
    body = assert_problem(register_with(client, password), 422)
    assert body["errors"][0]["pointer"] == "/body/password"
    assert password not in str(body) or not password
    assert db.exec(select(UserRow)).all() == []


@pytest.mark.parametrize(
    "password", ["password", "12345678", "iloveyou", "Password1", "QWERTYUIOP", "trustno1", " sunshine "]
)
def test_a_common_password_is_a_422_that_says_why(client: TestClient, db: Session, password: str) -> None:
    body = assert_problem(register_with(client, password), 422)
    assert body["detail"] == "The password is too common."
    assert body["errors"] == [
        {
            "pointer": "/body/password",
            "detail": "This password is in a list of common, leaked passwords that attackers try first; "
            "choose another (a few unrelated words make a strong one).",
        }
    ]
    assert db.exec(select(UserRow)).all() == []


def test_the_list_is_large_and_every_entry_is_refused_by_length_or_by_list() -> None:
    passwords = common_passwords()
    assert len(passwords) > 10_000
    assert all(8 <= len(password) <= 128 for password in passwords)


@pytest.mark.parametrize("password", ["carol@example.com", "CAROL@EXAMPLE.COM", "carolexample"])
def test_the_email_is_not_a_password(client: TestClient, password: str) -> None:
    response = register_with(
        client, password, email="carolexample@example.com" if "@" not in password else "carol@example.com"
    )
    body = assert_problem(response, 422)
    assert body["errors"][0]["detail"] == "The password must not be the account's email."


@pytest.mark.parametrize(
    "password",
    ["aaaaaaaa-but-long", "alllowercaseletters", "12345678901234567890x", "ünïcödé pässwörd", "🙂" * 8],
)
def test_there_are_no_composition_rules(client: TestClient, password: str) -> None:
    response = register_with(client, password)
    assert response.status_code == 201, response.text
    assert login(client, "carol@example.com", password)["access_token"]


def test_nothing_is_truncated(client: TestClient) -> None:
    # bcrypt would compare only the first 72 bytes; argon2id hashes all 128 characters.
    password = "p" * 100 + "-the-end-matters" + "x" * 12
    assert len(password) == 128
    register(client, "dave@example.com", password)
    for near_miss in (password[:72], password[:127] + "y", "p" * 100 + "-the-end-differs" + "x" * 12):
        response = client.post(
            "/api/v1/auth/token", data={"username": "dave@example.com", "password": near_miss}
        )
        assert_oauth2_error(response, "invalid_grant")
    emoji = "🔑" * 128  # 512 bytes in UTF-8
    register(client, "erin@example.com", emoji)
    response = client.post(
        "/api/v1/auth/token", data={"username": "erin@example.com", "password": "🔑" * 127 + "🔒"}
    )
    assert_oauth2_error(response, "invalid_grant")


def test_a_new_password_follows_the_same_rules(client: TestClient, alice: Account) -> None:
    for new_password, message in (("password1", "too common"), ("short", None), (alice.email, "email")):
        response = client.post(
            CHANGE,
            json={"current_password": alice.password, "new_password": new_password},
            headers=alice.headers,
        )
        body = assert_problem(response, 422)
        assert body["errors"][0]["pointer"] == "/body/new_password"
        if message:
            assert message in str(body)
    assert client.get("/api/v1/users/me", headers=alice.headers).status_code == 200  # nothing revoked
