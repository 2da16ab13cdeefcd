"""GET /api/v1/tags a page at a time: bounded by `limit`, continued with `next_cursor`."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.accounts import Account
from tests.problems import assert_problem
from tests.tasks.task_requests import TASKS, create

TAGS = "/api/v1/tags"


def page(client: TestClient, account: Account, **params: str | int) -> dict[str, Any]:
    response = client.get(TAGS, params=params, headers=account.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_tags_come_a_page_at_a_time(client: TestClient, alice: Account, bob: Account) -> None:
    create(client, alice, tags=["delta", "Alpha", "echo"])
    create(client, alice, tags=["bravo", "alpha", "charlie"])
    create(client, bob, tags=["bob"])
    seen: list[tuple[str, int]] = []
    cursor: str | None = None
    pages = 0
    while True:
        body = page(client, alice, limit=2, **({"cursor": cursor} if cursor else {}))
        pages += 1
        assert len(body["items"]) <= 2
        seen.extend((item["name"], item["count"]) for item in body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert seen == [("Alpha", 2), ("bravo", 1), ("charlie", 1), ("delta", 1), ("echo", 1)]
    assert page(client, alice)["next_cursor"] is None  # default limit: 100


def test_the_limit_is_bounded_and_cursors_are_checked(client: TestClient, alice: Account) -> None:
    create(client, alice, tags=["a", "b"])
    for limit in ("0", "101"):
        assert_problem(client.get(TAGS, params={"limit": limit}, headers=alice.headers), 422)
    assert_problem(client.get(TAGS, params={"cursor": "forged.cursor"}, headers=alice.headers), 422)
    tasks_cursor = client.get(TASKS, params={"limit": 1}, headers=alice.headers).json()["next_cursor"]
    create(client, alice)
    tasks_cursor = client.get(TASKS, params={"limit": 1}, headers=alice.headers).json()["next_cursor"]
    problem = assert_problem(client.get(TAGS, params={"cursor": tasks_cursor}, headers=alice.headers), 422)
    assert problem["errors"] == [  # a tasks cursor is not a tags cursor
        {
            "pointer": "/query/cursor",
            "detail": "This cursor belongs to another query: repeat the filters and sort of the request "
            "that returned it.",
        }
    ]


def test_another_users_cursor_shows_nothing_of_theirs(
    client: TestClient, alice: Account, bob: Account
) -> None:
    create(client, bob, tags=["b1", "b2", "b3"])
    create(client, alice, tags=["z"])
    cursor = page(client, bob, limit=1)["next_cursor"]
    assert page(client, alice, cursor=cursor)["items"] == [{"name": "z", "count": 1}]
