"""Item 2: owner, ids and server timestamps smuggled into bodies or query strings are refused
(422, naming the field); ownership and server timestamps never change."""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from impl.db.tables import TaskRow, UserRow
from tests.accounts import Account
from tests.problems import assert_problem

TASKS = "/api/v1/tasks"
SERVER_FIELDS = ["id", "owner_id", "user_id", "created_at", "updated_at", "completed_at"]


def smuggled(field: str, bob: Account) -> str:
    return bob.user_id if field.endswith("id") else "2000-01-01T00:00:00Z"


@pytest.mark.parametrize("field", SERVER_FIELDS)
@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH"])
def test_server_fields_in_a_task_body_are_a_422(
    client: TestClient, alice: Account, bob: Account, db: Session, field: str, method: str
) -> None:
    task = client.post(TASKS, json={"title": "mine"}, headers=alice.headers).json()
    url = TASKS if method == "POST" else f"{TASKS}/{task['id']}"
    body = {"title": "changed", "completed": True, field: smuggled(field, bob)}
    problem = assert_problem(client.request(method, url, json=body, headers=alice.headers), 422)
    detail = f"{field} is not a field of this request; remove it."
    assert problem["errors"] == [{"pointer": f"/body/{field}", "detail": detail}]

    rows = db.exec(select(TaskRow)).all()
    assert len(rows) == 1
    assert rows[0].owner_id == uuid.UUID(alice.user_id)
    assert client.get(f"{TASKS}/{task['id']}", headers=alice.headers).json() == task


@pytest.mark.parametrize("field", SERVER_FIELDS)
def test_server_fields_in_a_query_string_are_a_422(
    client: TestClient, alice: Account, bob: Account, db: Session, field: str
) -> None:
    params = {field: smuggled(field, bob)}
    created = client.post(TASKS, params=params, json={"title": "alice's"}, headers=alice.headers)
    problem = assert_problem(created, 422)
    assert [error["pointer"] for error in problem["errors"]] == [f"/query/{field}"]
    assert db.exec(select(TaskRow)).all() == []
    assert_problem(client.get(TASKS, params=params, headers=alice.headers), 422)


@pytest.mark.parametrize("field", ["id", "created_at", "token_version", "password_hash", "is_admin"])
def test_extra_fields_in_a_registration_are_a_422(client: TestClient, db: Session, field: str) -> None:
    body = {"email": "mallory@example.com", "password": "a long enough passphrase", field: "0"}
    assert_problem(client.post("/api/v1/auth/register", json=body), 422)
    assert db.exec(select(UserRow)).all() == []
