"""Task CRUD through the real app, on every backend."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from impl.db.tables import TaskRow
from tests.accounts import Account
from tests.problems import assert_problem

TASKS = "/api/v1/tasks"


def create(client: TestClient, account: Account, **fields: object) -> dict[str, object]:
    response = client.post(TASKS, json={"title": "Buy milk", **fields}, headers=account.headers)
    assert response.status_code == 201, response.text
    body: dict[str, object] = response.json()
    return body


def test_create_returns_the_task_with_location_and_server_fields(client: TestClient, alice: Account) -> None:
    response = client.post(
        TASKS, json={"title": "  Buy milk  ", "description": "Two litres"}, headers=alice.headers
    )
    assert response.status_code == 201
    task = response.json()
    assert response.headers["location"] == f"{TASKS}/{task['id']}"
    assert task["title"] == "Buy milk"  # trimmed
    assert task["description"] == "Two litres"
    assert task["completed"] is False
    assert task["completed_at"] is None
    created_at = datetime.fromisoformat(task["created_at"])
    assert created_at.utcoffset() == timedelta(0)
    assert task["updated_at"] == task["created_at"]
    assert client.get(response.headers["location"], headers=alice.headers).json() == task


def test_create_completed_sets_completed_at(client: TestClient, alice: Account) -> None:
    task = create(client, alice, completed=True)
    assert task["completed"] is True
    assert task["completed_at"] is not None


def test_get_replace_update_delete(client: TestClient, alice: Account, db: Session) -> None:
    task = create(client, alice, description="old")
    url = f"{TASKS}/{task['id']}"

    replaced = client.put(url, json={"title": "New", "completed": True}, headers=alice.headers)
    assert replaced.status_code == 200
    body = replaced.json()
    assert (body["title"], body["description"], body["completed"]) == ("New", None, True)
    assert body["completed_at"] is not None
    assert body["updated_at"] > task["updated_at"]
    assert body["created_at"] == task["created_at"]

    patched = client.patch(url, json={"description": "note"}, headers=alice.headers).json()
    assert (patched["title"], patched["description"], patched["completed"]) == ("New", "note", True)
    assert patched["completed_at"] == body["completed_at"]  # unchanged while still completed

    reopened = client.patch(url, json={"completed": False}, headers=alice.headers).json()
    assert reopened["completed"] is False
    assert reopened["completed_at"] is None

    unchanged = client.patch(url, json={}, headers=alice.headers)
    assert unchanged.status_code == 200
    assert unchanged.json() == reopened

    assert client.delete(url, headers=alice.headers).status_code == 204
    assert_problem(client.get(url, headers=alice.headers), 404)
    assert_problem(client.delete(url, headers=alice.headers), 404)
    # A deleted task stays as a tombstone for delta sync until it is purged.
    tombstone = db.exec(select(TaskRow).where(TaskRow.id == uuid.UUID(str(task["id"])))).one()
    assert tombstone.deleted_at is not None


def test_list_pages_through_every_task_once_newest_first(client: TestClient, alice: Account) -> None:
    created = [create(client, alice, title=f"task {i}")["id"] for i in range(7)]
    seen: list[object] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, str | int] = {"limit": 3}
        if cursor:
            params["cursor"] = cursor
        page = client.get(TASKS, params=params, headers=alice.headers)
        assert page.status_code == 200
        body = page.json()
        assert len(body["items"]) <= 3
        seen.extend(item["id"] for item in body["items"])
        cursor = body["next_cursor"]
        pages += 1
        if cursor is None:
            break
    assert pages == 3
    assert seen == list(reversed(created))


def test_list_default_limit_is_20(client: TestClient, alice: Account) -> None:
    for i in range(21):
        create(client, alice, title=f"t{i}")
    body = client.get(TASKS, headers=alice.headers).json()
    assert len(body["items"]) == 20
    assert body["next_cursor"]


def test_empty_list(client: TestClient, alice: Account) -> None:
    assert client.get(TASKS, headers=alice.headers).json() == {"items": [], "next_cursor": None}


def test_forged_cursor_is_422(client: TestClient, alice: Account) -> None:
    for i in range(3):
        create(client, alice, title=f"t{i}")
    cursor = client.get(TASKS, params={"limit": 1}, headers=alice.headers).json()["next_cursor"]
    payload, signature = cursor.split(".")
    for forged in (f"{payload}x.{signature}", f"{payload}.{signature[:-2]}AA", "abc", "a.b"):
        body = assert_problem(client.get(TASKS, params={"cursor": forged}, headers=alice.headers), 422)
        assert body["errors"] == [
            {"pointer": "/query/cursor", "detail": "Invalid cursor: pass a next_cursor unchanged."}
        ]
