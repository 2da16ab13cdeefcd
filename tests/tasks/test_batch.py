"""POST /api/v1/tasks/batch: ordered, all or nothing, the failing operation named."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.accounts import Account
from tests.problems import assert_problem
from tests.tasks.task_requests import TASKS, create, listed, task_url

BATCH = f"{TASKS}/batch"


def batch(client: TestClient, account: Account, *operations: dict[str, Any]) -> Any:
    return client.post(BATCH, json={"operations": list(operations)}, headers=account.headers)


def test_operations_apply_in_order_with_one_result_each(client: TestClient, alice: Account) -> None:
    edited = create(client, alice, title="edit me")
    doomed = create(client, alice, title="delete me")
    response = batch(
        client,
        alice,
        {"op": "create", "task": {"title": "new", "tags": ["b", "A"]}},
        {"op": "update", "id": edited["id"], "if_match": edited["etag"], "changes": {"priority": "high"}},
        {"op": "update", "id": edited["id"], "changes": {"completed": True}},
        {"op": "delete", "id": doomed["id"], "if_match": "*"},
    )
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [result["op"] for result in results] == ["create", "update", "update", "delete"]
    assert results[0]["task"]["tags"] == ["A", "b"]
    assert results[0]["id"] == results[0]["task"]["id"]
    assert (results[1]["task"]["priority"], results[1]["task"]["completed"]) == ("high", False)
    assert (results[2]["task"]["completed"], results[2]["task"]["etag"]) == (True, '"3"')
    assert results[3] == {"op": "delete", "id": doomed["id"], "task": None}
    assert sorted(task["title"] for task in listed(client, alice)) == ["edit me", "new"]


def failing_batch_leaves_everything_as_it_was(
    client: TestClient, account: Account, before: list[Any]
) -> None:
    assert listed(client, account, sort="created_at") == before


@pytest.mark.parametrize(
    "case",
    [
        ({"op": "create", "task": {"title": ""}}, 422, "/body/operations/2/task/title"),
        ({"op": "create", "task": {"title": "t", "tags": ["x", "X"]}}, 422, "/body/operations/2/task/tags/1"),
        ({"op": "update", "id": "MISSING", "changes": {}}, 404, "/body/operations/2/id"),
        ({"op": "update", "id": "FOREIGN", "changes": {"title": "mine"}}, 404, "/body/operations/2/id"),
        ({"op": "delete", "id": "DELETED"}, 404, "/body/operations/2/id"),
        ({"op": "update", "id": "KEPT", "changes": {"due_at": 5}}, 422, "/body/operations/2/changes/due_at"),
        (
            {"op": "update", "id": "KEPT", "changes": {"recurrence": "FREQ=DAILY"}},
            422,
            "/body/operations/2/changes/recurrence",
        ),
        (
            {"op": "update", "id": "KEPT", "if_match": '"9"', "changes": {}},
            412,
            "/body/operations/2/if_match",
        ),
        ({"op": "delete", "id": "KEPT", "if_match": 'W/"1"'}, 412, "/body/operations/2/if_match"),
        ({"op": "delete", "id": "KEPT", "extra": 1}, 422, "/body/operations/2/extra"),
        ({"op": "rename", "id": "KEPT"}, 422, "/body/operations/2"),
        ({"id": "KEPT"}, 422, "/body/operations/2"),
    ],
)
def test_one_failing_operation_applies_nothing_and_is_named(
    client: TestClient, alice: Account, bob: Account, case: tuple[dict[str, Any], int, str]
) -> None:
    operation, status, pointer = case
    kept = create(client, alice, title="kept")
    deleted = create(client, alice, title="deleted")
    client.delete(task_url(deleted), headers=alice.headers)
    ids = {
        "KEPT": kept["id"],
        "MISSING": str(uuid.uuid4()),
        "FOREIGN": create(client, bob)["id"],
        "DELETED": deleted["id"],
    }
    if "id" in operation:
        operation = {**operation, "id": ids[operation["id"]]}
    before = listed(client, alice, sort="created_at")
    response = batch(
        client,
        alice,
        {"op": "create", "task": {"title": "would be created"}},
        {"op": "update", "id": kept["id"], "changes": {"title": "would be renamed"}},
        operation,
    )
    body = assert_problem(response, status)
    assert pointer in [error["pointer"] for error in body["errors"]]
    failing_batch_leaves_everything_as_it_was(client, alice, before)


def test_a_foreign_id_fails_like_a_missing_one(client: TestClient, alice: Account, bob: Account) -> None:
    foreign = batch(client, alice, {"op": "delete", "id": create(client, bob)["id"]})
    missing = batch(client, alice, {"op": "delete", "id": str(uuid.uuid4())})
    assert assert_problem(foreign, 404)["errors"] == assert_problem(missing, 404)["errors"]
    assert foreign.json()["detail"] == missing.json()["detail"]
    assert len(listed(client, bob)) == 1


@pytest.mark.parametrize("count", [0, 101])
def test_the_number_of_operations_is_1_to_100(client: TestClient, alice: Account, count: int) -> None:
    operations = [{"op": "create", "task": {"title": f"t{i}"}} for i in range(count)]
    body = assert_problem(client.post(BATCH, json={"operations": operations}, headers=alice.headers), 422)
    assert body["errors"][0]["pointer"] == "/body/operations"
    assert listed(client, alice) == []


def test_a_hundred_operations_are_fine(client: TestClient, alice: Account) -> None:
    operations = [{"op": "create", "task": {"title": f"t{i}"}} for i in range(100)]
    response = client.post(BATCH, json={"operations": operations}, headers=alice.headers)
    assert response.status_code == 200
    assert len(response.json()["results"]) == 100
    assert len(listed(client, alice)) == 100


def test_batch_needs_a_token(client: TestClient) -> None:
    assert_problem(client.post(BATCH, json={"operations": [{"op": "create", "task": {"title": "t"}}]}), 401)


@pytest.mark.parametrize("method", ["GET", "PUT", "PATCH", "DELETE"])
def test_other_methods_on_the_batch_path_are_405(client: TestClient, alice: Account, method: str) -> None:
    response = client.request(method, BATCH, json={"title": "t", "completed": True}, headers=alice.headers)
    assert_problem(response, 405)
    assert response.headers["allow"] == "POST"
