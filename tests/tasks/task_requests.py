"""Small request helpers shared by the task tests."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.accounts import Account

TASKS = "/api/v1/tasks"


def create(client: TestClient, account: Account, **fields: object) -> dict[str, Any]:
    response = client.post(TASKS, json={"title": "Buy milk", **fields}, headers=account.headers)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def task_url(task: dict[str, Any]) -> str:
    return f"{TASKS}/{task['id']}"


def listed(client: TestClient, account: Account, **params: object) -> list[dict[str, Any]]:
    """Every item of a listing, following next_cursor to the end."""
    items: list[dict[str, Any]] = []
    query: dict[str, Any] = {"limit": 100, **params}
    while True:
        response = client.get(TASKS, params=query, headers=account.headers)
        assert response.status_code == 200, response.text
        page = response.json()
        items.extend(page["items"])
        if page["next_cursor"] is None:
            return items
        query["cursor"] = page["next_cursor"]


def titles(items: list[dict[str, Any]]) -> list[str]:
    return [item["title"] for item in items]
