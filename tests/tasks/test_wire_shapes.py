"""Task bodies are serialised once, straight from the rows (impl/tasks/responses.py), without a
response model to validate them: every shape the task operations answer with is checked
against openapi.yaml here, for tasks with every field set and none, tombstones, pages, batch
results and replays, on every backend."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from generated.contract import CONTRACT
from tests.accounts import Account
from tests.openapi_document import resolve, schema_validator
from tests.tasks.task_requests import TASKS, create, task_url

FULL = {
    "title": "  Water the plants  ",
    "description": "Kitchen and balcony, ✓ ünïcode",
    "priority": "high",
    "tags": ["Home", "garden", "ÉTÉ"],
    "due_at": "2026-01-19T18:00:00+01:00",
    "remind_at": "2026-01-19T16:30:00Z",
    "recurrence": "FREQ=WEEKLY;BYDAY=MO,TH",
}


def response_schema(path: str, method: str, status: str) -> dict[str, Any]:
    response = resolve(CONTRACT["paths"][path][method]["responses"][status])
    schema: dict[str, Any] = response["content"]["application/json"]["schema"]
    return schema


def assert_matches(body: Any, path: str, method: str, status: str) -> None:
    errors = sorted(schema_validator(response_schema(path, method, status)).iter_errors(body), key=str)
    assert not errors, [f"{list(error.absolute_path)}: {error.message}" for error in errors]


def test_every_task_shape_matches_the_contract(client: TestClient, alice: Account) -> None:
    one = "/api/v1/tasks/{task_id}"
    bare = client.post(TASKS, json={"title": "bare"}, headers=alice.headers)
    assert_matches(bare.json(), TASKS, "post", "201")
    full = client.post(TASKS, json=FULL, headers={**alice.headers, "Idempotency-Key": "shape-1"})
    assert_matches(full.json(), TASKS, "post", "201")
    replayed = client.post(TASKS, json=FULL, headers={**alice.headers, "Idempotency-Key": "shape-1"})
    assert replayed.headers["idempotent-replayed"] == "true"
    assert replayed.json() == full.json()

    fetched = client.get(task_url(full.json()), headers=alice.headers)
    assert_matches(fetched.json(), one, "get", "200")
    assert fetched.json() == full.json()
    assert fetched.json()["tags"] == ["garden", "Home", "ÉTÉ"]  # case-folded, by code point
    assert fetched.json()["due_at"] == "2026-01-19T17:00:00Z"  # in UTC, as pydantic writes it

    completed = client.post(f"{task_url(full.json())}/complete", headers=alice.headers)
    assert_matches(completed.json(), "/api/v1/tasks/{task_id}/complete", "post", "200")
    assert completed.json()["next_occurrence_id"] is not None
    patched = client.patch(task_url(bare.json()), json={"tags": ["x"], "due_at": None}, headers=alice.headers)
    assert_matches(patched.json(), one, "patch", "200")
    replaced = client.put(
        task_url(bare.json()), json={"title": "put", "completed": True}, headers=alice.headers
    )
    assert_matches(replaced.json(), one, "put", "200")
    reopened = client.post(f"{task_url(bare.json())}/reopen", headers=alice.headers)
    assert_matches(reopened.json(), "/api/v1/tasks/{task_id}/reopen", "post", "200")

    batch = {
        "operations": [
            {"op": "create", "task": FULL},
            {"op": "update", "id": bare.json()["id"], "changes": {"priority": "low"}},
            {"op": "delete", "id": bare.json()["id"]},
        ]
    }
    results = client.post(f"{TASKS}/batch", json=batch, headers=alice.headers)
    assert results.status_code == 200, results.text
    assert_matches(results.json(), f"{TASKS}/batch", "post", "200")

    page = client.get(TASKS, params={"limit": 2}, headers=alice.headers)
    assert page.json()["next_cursor"] is not None
    assert_matches(page.json(), TASKS, "get", "200")
    synced = client.get(TASKS, params={"updated_since": bare.json()["created_at"]}, headers=alice.headers)
    tombstones = [item for item in synced.json()["items"] if item.get("deleted")]
    assert [item["id"] for item in tombstones] == [bare.json()["id"]]
    assert_matches(synced.json(), TASKS, "get", "200")


def test_a_created_task_reads_back_the_same(client: TestClient, alice: Account) -> None:
    """The answer to a write is built from what was written, not read back: it must be
    exactly what a read returns."""
    task = create(client, alice, **FULL)
    assert client.get(task_url(task), headers=alice.headers).json() == task
    changed = client.patch(
        task_url(task), json={"tags": ["b", "A"], "priority": "none"}, headers=alice.headers
    )
    assert client.get(task_url(task), headers=alice.headers).json() == changed.json()
