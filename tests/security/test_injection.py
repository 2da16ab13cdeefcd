"""Item 9: SQL metacharacters and LIKE wildcards in every string parameter are data."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import inspect
from sqlmodel import Session

from tests.accounts import Account, login, register
from tests.problems import assert_oauth2_error, assert_problem

TASKS = "/api/v1/tasks"
PAYLOADS = [
    "'; DROP TABLE tasks; --",
    '" OR "1"="1',
    "' OR 1=1 --",
    "%",
    "_",
    "%_%",
    "\\",
    "\\'; SELECT pg_sleep(5); --",
    "1; DELETE FROM users",
    "$1 $$ :param ?",
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_metacharacters_in_task_fields_are_stored_verbatim(
    client: TestClient, alice: Account, bob: Account, db: Session, payload: str
) -> None:
    created = client.post(
        TASKS, json={"title": f"t {payload}", "description": payload}, headers=alice.headers
    )
    assert created.status_code == 201
    task = created.json()
    assert (task["title"], task["description"]) == (f"t {payload}", payload)
    patched = client.patch(
        f"{TASKS}/{task['id']}", json={"title": f"p {payload}"}, headers=alice.headers
    ).json()
    assert patched["title"] == f"p {payload}"
    assert client.get(TASKS, headers=alice.headers).json()["items"] == [patched]
    assert client.get(TASKS, headers=bob.headers).json()["items"] == []
    assert {"users", "tasks", "refresh_tokens"} <= set(inspect(db.get_bind()).get_table_names())


@pytest.mark.parametrize("payload", PAYLOADS)
def test_metacharacters_in_login_fields_match_nothing(
    client: TestClient, alice: Account, payload: str
) -> None:
    for username in (payload, f"{payload}@example.com", alice.email + payload):
        response = client.post("/api/v1/auth/token", data={"username": username, "password": payload})
        assert_oauth2_error(response, "invalid_grant")
    # A LIKE wildcard for the email does not find alice.
    for wildcard in ("%", "%@example.com", "alic_@example.com"):
        response = client.post("/api/v1/auth/token", data={"username": wildcard, "password": alice.password})
        assert_oauth2_error(response, "invalid_grant")


def test_a_quote_in_an_email_is_just_a_character(client: TestClient) -> None:
    account = register(client, "o'brien@example.com")
    assert login(client, "O'BRIEN@example.com", account.password)["access_token"]
    assert_problem(
        client.post(
            "/api/v1/auth/register", json={"email": "O'Brien@example.com", "password": account.password}
        ),
        409,
    )


@pytest.mark.parametrize("payload", PAYLOADS)
def test_metacharacters_in_path_and_query_parameters_are_refused(
    client: TestClient, alice: Account, payload: str
) -> None:
    assert_problem(client.get(f"{TASKS}/{payload}", headers=alice.headers), 422)
    assert_problem(client.get(TASKS, params={"cursor": payload}, headers=alice.headers), 422)
    assert_problem(client.get(TASKS, params={"limit": payload}, headers=alice.headers), 422)
