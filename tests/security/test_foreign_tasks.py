"""Item 1: another user's task, through every task operation, answers exactly like a task that
does not exist (404), and stays unchanged."""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from impl.db.tables import TaskRow
from tests.accounts import Account
from tests.problems import assert_problem

TASKS = "/api/v1/tasks"
OPERATIONS = [
    ("GET", None),
    ("PUT", {"title": "hijacked", "description": None, "completed": True}),
    ("PATCH", {"title": "hijacked", "completed": True}),
    ("DELETE", None),
]


def comparable(body: dict[str, object]) -> dict[str, object]:
    return {key: value for key, value in body.items() if key not in {"instance", "request_id"}}


@pytest.mark.parametrize(("method", "body"), OPERATIONS)
def test_another_users_task_is_a_404_like_a_missing_one(
    client: TestClient, alice: Account, bob: Account, db: Session, method: str, body: object
) -> None:
    bobs = client.post(
        TASKS, json={"title": "bob's secret", "description": "pin 1234"}, headers=bob.headers
    ).json()
    foreign = client.request(method, f"{TASKS}/{bobs['id']}", json=body, headers=alice.headers)
    missing = client.request(method, f"{TASKS}/{uuid.uuid4()}", json=body, headers=alice.headers)

    assert comparable(assert_problem(foreign, 404)) == comparable(assert_problem(missing, 404))
    assert set(foreign.headers) == set(missing.headers)
    assert "secret" not in foreign.text
    assert "1234" not in foreign.text

    row = db.get(TaskRow, uuid.UUID(bobs["id"]))
    assert row is not None
    db.refresh(row)
    assert (row.title, row.description, row.completed, row.owner_id) == (
        "bob's secret",
        "pin 1234",
        False,
        uuid.UUID(bob.user_id),
    )
    assert client.get(f"{TASKS}/{bobs['id']}", headers=bob.headers).json() == bobs


@pytest.mark.parametrize(("method", "body"), OPERATIONS)
def test_random_ids_are_a_404(client: TestClient, alice: Account, method: str, body: object) -> None:
    for _ in range(5):
        assert_problem(
            client.request(method, f"{TASKS}/{uuid.uuid4()}", json=body, headers=alice.headers), 404
        )


@pytest.mark.parametrize("task_id", ["1", "' OR 1=1 --", "00000000-0000-0000-0000-00000000000g", "%00"])
def test_ids_that_are_not_uuids_are_a_422(client: TestClient, alice: Account, task_id: str) -> None:
    body = assert_problem(client.get(f"{TASKS}/{task_id}", headers=alice.headers), 422)
    assert body["errors"][0]["pointer"] == "/path/task_id"
