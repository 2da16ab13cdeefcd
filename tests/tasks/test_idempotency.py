"""Idempotency-Key on task creation and completion: retries replay, nothing is repeated."""

from __future__ import annotations

import json
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from impl.db.tables import IdempotencyKeyRow
from tests.accounts import Account
from tests.problems import assert_problem
from tests.tasks.task_requests import TASKS, create, listed, task_url


def post(client: TestClient, account: Account, body: dict[str, object], key: str) -> object:
    return client.post(TASKS, json=body, headers={**account.headers, "Idempotency-Key": key})


def test_a_retry_replays_the_original_response_and_creates_nothing(
    client: TestClient, alice: Account
) -> None:
    first = client.post(TASKS, json={"title": "once"}, headers={**alice.headers, "Idempotency-Key": "k-1"})
    assert first.status_code == 201
    assert "idempotent-replayed" not in first.headers
    # The same request: defaults spelled out are the same request.
    again = client.post(
        TASKS, json={"title": "once", "completed": False}, headers={**alice.headers, "Idempotency-Key": "k-1"}
    )
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["location"] == first.headers["location"]
    assert again.headers["etag"] == first.headers["etag"]
    assert again.headers["idempotent-replayed"] == "true"
    assert len(listed(client, alice)) == 1


def test_the_replay_is_the_original_even_after_the_task_changed(client: TestClient, alice: Account) -> None:
    first = client.post(TASKS, json={"title": "v1"}, headers={**alice.headers, "Idempotency-Key": "k"})
    client.patch(first.headers["location"], json={"title": "v2"}, headers=alice.headers)
    again = client.post(TASKS, json={"title": "v1"}, headers={**alice.headers, "Idempotency-Key": "k"})
    assert again.json()["title"] == "v1"


def test_a_response_stored_before_tasks_had_object_is_replayed_with_it(
    client: TestClient, alice: Account, db: Session
) -> None:
    first = client.post(TASKS, json={"title": "old"}, headers={**alice.headers, "Idempotency-Key": "old"})
    row = db.exec(select(IdempotencyKeyRow)).one()
    assert row.response_body is not None
    stored = json.loads(row.response_body)
    del stored["object"]
    row.response_body = json.dumps(stored)
    db.add(row)
    db.flush()
    again = client.post(TASKS, json={"title": "old"}, headers={**alice.headers, "Idempotency-Key": "old"})
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again.json()["object"] == "task"


def test_the_same_key_with_another_body_is_422(client: TestClient, alice: Account) -> None:
    client.post(TASKS, json={"title": "a"}, headers={**alice.headers, "Idempotency-Key": "k"})
    response = client.post(TASKS, json={"title": "b"}, headers={**alice.headers, "Idempotency-Key": "k"})
    body = assert_problem(response, 422)
    assert body["type"] == "urn:tasks-api:problem:idempotency-key-reused"
    assert body["errors"][0]["pointer"] == "/header/Idempotency-Key"
    assert [task["title"] for task in listed(client, alice)] == ["a"]


def test_keys_are_per_user(client: TestClient, alice: Account, bob: Account) -> None:
    for account in (alice, bob):
        response = client.post(
            TASKS, json={"title": "mine"}, headers={**account.headers, "Idempotency-Key": "shared"}
        )
        assert response.status_code == 201
        assert "idempotent-replayed" not in response.headers
    assert len(listed(client, alice)) == len(listed(client, bob)) == 1


def test_a_failed_request_does_not_use_up_its_key(client: TestClient, alice: Account) -> None:
    bad = client.post(TASKS, json={"title": ""}, headers={**alice.headers, "Idempotency-Key": "k"})
    assert_problem(bad, 422)
    good = client.post(TASKS, json={"title": "fixed"}, headers={**alice.headers, "Idempotency-Key": "k"})
    assert good.status_code == 201
    assert "idempotent-replayed" not in good.headers


def test_an_expired_key_can_be_used_again(client: TestClient, alice: Account, db: Session) -> None:
    client.post(TASKS, json={"title": "old"}, headers={**alice.headers, "Idempotency-Key": "k"})
    age = timedelta(hours=24, seconds=1)
    for row in db.exec(select(IdempotencyKeyRow)):
        row.created_at -= age
        db.add(row)
    db.flush()
    fresh = client.post(TASKS, json={"title": "new"}, headers={**alice.headers, "Idempotency-Key": "k"})
    assert fresh.status_code == 201
    assert "idempotent-replayed" not in fresh.headers
    assert sorted(task["title"] for task in listed(client, alice)) == ["new", "old"]


def test_completion_with_a_key_replays_including_the_next_occurrence(
    client: TestClient, alice: Account
) -> None:
    task = create(client, alice, due_at="2026-01-05T18:00:00Z", recurrence="FREQ=DAILY")
    headers = {**alice.headers, "Idempotency-Key": "done-1"}
    first = client.post(f"{task_url(task)}/complete", headers=headers)
    client.post(f"{task_url(task)}/reopen", headers=alice.headers)
    again = client.post(f"{task_url(task)}/complete", headers=headers)
    assert again.status_code == 200
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert client.get(task_url(task), headers=alice.headers).json()["completed"] is False  # not re-done
    assert len(listed(client, alice)) == 2
    other = create(client, alice)
    reused = client.post(f"{task_url(other)}/complete", headers=headers)  # another path: another request
    assert assert_problem(reused, 422)["type"] == "urn:tasks-api:problem:idempotency-key-reused"


def test_a_malformed_key_is_422(client: TestClient, alice: Account) -> None:
    for key in ("", "x" * 256, "has space", "tab\tkey"):
        response = client.post(TASKS, json={"title": "t"}, headers={**alice.headers, "Idempotency-Key": key})
        assert assert_problem(response, 422)["errors"][0]["pointer"] == "/header/Idempotency-Key"
