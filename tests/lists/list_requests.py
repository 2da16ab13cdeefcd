"""Small request helpers shared by the list tests."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.accounts import Account

LISTS = "/api/v1/lists"


def create_list(
    client: TestClient, account: Account, name: str = "Groceries", **fields: object
) -> dict[str, Any]:
    response = client.post(LISTS, json={"name": name, **fields}, headers=account.headers)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def list_url(item: dict[str, Any]) -> str:
    return f"{LISTS}/{item['id']}"


def all_lists(client: TestClient, account: Account, **params: object) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    query: dict[str, Any] = {"limit": 100, **params}
    while True:
        response = client.get(LISTS, params=query, headers=account.headers)
        assert response.status_code == 200, response.text
        page = response.json()
        items.extend(page["items"])
        if page["next_cursor"] is None:
            return items
        query["cursor"] = page["next_cursor"]
