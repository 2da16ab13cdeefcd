"""Two users: alice can never see, change or delete bob's tasks; a foreign task is a 404
indistinguishable from a missing one."""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient

from tests.accounts import Account
from tests.problems import assert_problem

TASKS = "/api/v1/tasks"

OPERATIONS = [
    ("GET", None),
    ("PUT", {"title": "hijacked", "completed": True}),
    ("PATCH", {"title": "hijacked"}),
    ("DELETE", None),
]


@pytest.mark.parametrize(("method", "body"), OPERATIONS)
def test_foreign_task_is_a_404_like_a_missing_one(
    client: TestClient, alice: Account, bob: Account, method: str, body: object
) -> None:
    bobs = client.post(TASKS, json={"title": "bob's secret"}, headers=bob.headers).json()
    foreign = client.request(method, f"{TASKS}/{bobs['id']}", json=body, headers=alice.headers)
    missing = client.request(method, f"{TASKS}/{uuid.uuid4()}", json=body, headers=alice.headers)

    foreign_body = assert_problem(foreign, 404)
    missing_body = assert_problem(missing, 404)
    for key in ("type", "title", "status", "detail"):
        assert foreign_body[key] == missing_body[key]
    assert "bob" not in foreign.text

    still = client.get(f"{TASKS}/{bobs['id']}", headers=bob.headers)
    assert still.status_code == 200
    assert still.json() == bobs


def test_lists_are_per_user(client: TestClient, alice: Account, bob: Account) -> None:
    client.post(TASKS, json={"title": "alice's"}, headers=alice.headers)
    client.post(TASKS, json={"title": "bob's"}, headers=bob.headers)
    assert [t["title"] for t in client.get(TASKS, headers=alice.headers).json()["items"]] == ["alice's"]
    assert [t["title"] for t in client.get(TASKS, headers=bob.headers).json()["items"]] == ["bob's"]


def test_a_cursor_from_another_user_reveals_nothing(client: TestClient, alice: Account, bob: Account) -> None:
    for i in range(3):
        client.post(TASKS, json={"title": f"bob {i}"}, headers=bob.headers)
    bobs_cursor = client.get(TASKS, params={"limit": 1}, headers=bob.headers).json()["next_cursor"]
    page = client.get(TASKS, params={"cursor": bobs_cursor}, headers=alice.headers)
    assert page.status_code == 200
    assert page.json()["items"] == []


@pytest.mark.parametrize("field", ["id", "owner_id", "user_id", "created_at", "updated_at", "completed_at"])
def test_server_fields_in_a_body_are_rejected(
    client: TestClient, alice: Account, bob: Account, field: str
) -> None:
    value = bob.user_id if field.endswith("id") else "2000-01-01T00:00:00Z"
    body = assert_problem(client.post(TASKS, json={"title": "x", field: value}, headers=alice.headers), 422)
    assert body["errors"] == [{"pointer": f"/body/{field}", "detail": "Extra inputs are not permitted"}]
    assert client.get(TASKS, headers=alice.headers).json()["items"] == []
