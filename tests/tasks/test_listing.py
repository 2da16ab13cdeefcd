"""Listing: filters, every sort in both directions with a total order, keyset pages, cursors."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.accounts import Account
from tests.problems import assert_problem
from tests.tasks.task_requests import TASKS, create, listed, task_url, titles

RANK = {"none": 0, "low": 1, "medium": 2, "high": 3}
SORTS = ["created_at", "updated_at", "due_at", "priority", "title"]


def seed(client: TestClient, account: Account) -> list[dict[str, Any]]:
    """Tasks with duplicate sort values (ties), missing due dates and mixed-case titles."""
    specs: list[dict[str, Any]] = [
        {"title": "banana", "priority": "high", "due_at": "2026-02-01T00:00:00Z", "tags": ["Work", "urgent"]},
        {"title": "Apple", "priority": "low", "tags": ["work"]},
        {"title": "cherry", "priority": "high", "due_at": "2026-01-01T00:00:00Z"},
        {"title": "apple", "priority": "none", "due_at": "2026-02-01T00:00:00Z", "tags": ["home"]},
        {"title": "Éclair", "priority": "medium"},
        {
            "title": "100% done_",
            "priority": "low",
            "due_at": "2099-01-01T00:00:00Z",
            "description": "Milk, 2L",
        },
        {"title": "date", "priority": "high", "due_at": "2026-02-01T00:00:00Z", "tags": ["urgent"]},
    ]
    tasks = [create(client, account, **spec) for spec in specs]
    # A later write makes updated_at differ from created_at's order.
    tasks[0] = client.patch(
        task_url(tasks[0]), json={"description": "edited"}, headers=account.headers
    ).json()
    return tasks


def expected(tasks: list[dict[str, Any]], sort: str) -> list[str]:
    field, descending = sort.lstrip("-"), sort.startswith("-")

    def key(task: dict[str, Any]) -> tuple[Any, ...]:
        if field == "due_at":
            # Undated tasks come last ascending and first descending: "null is largest".
            return (task["due_at"] is None, task["due_at"] or "", task["id"])
        value = {"priority": RANK[task["priority"]], "title": task["title"].casefold()}.get(
            field, task.get(field)
        )
        return (value, task["id"])

    return [task["id"] for task in sorted(tasks, key=key, reverse=descending)]


@pytest.mark.parametrize("sort", [*SORTS, *(f"-{s}" for s in SORTS)])
@pytest.mark.parametrize("limit", [1, 3])
def test_every_sort_is_a_total_order_paged_by_keyset(
    client: TestClient, alice: Account, sort: str, limit: int
) -> None:
    tasks = seed(client, alice)
    seen = [item["id"] for item in listed(client, alice, sort=sort, limit=limit)]
    assert seen == expected(tasks, sort)


def test_default_order_is_newest_first(client: TestClient, alice: Account) -> None:
    tasks = seed(client, alice)
    assert [item["id"] for item in listed(client, alice)] == expected(tasks, "-created_at")


@pytest.mark.parametrize(
    ("params", "wanted"),
    [
        ({"completed": "true"}, ["cherry"]),
        ({"completed": "false", "priority": "high"}, ["banana", "date"]),
        ({"priority": ["low", "medium"]}, ["Apple", "Éclair", "100% done_"]),
        ({"tag": "WORK"}, ["banana", "Apple"]),
        ({"tag": ["work", " urgent "]}, ["banana"]),
        ({"tag": ["urgent", "home"]}, []),
        ({"due_before": "2026-02-01T00:00:00Z"}, ["cherry"]),
        ({"due_after": "2026-02-01T00:00:00Z"}, ["banana", "apple", "100% done_", "date"]),
        (
            {"due_after": "2026-01-15T00:00:00+01:00", "due_before": "2030-01-01T00:00:00Z"},
            ["banana", "apple", "date"],
        ),
        ({"overdue": "true"}, ["banana", "apple", "date"]),
        ({"overdue": "false"}, ["Apple", "cherry", "Éclair", "100% done_"]),
        ({"q": "APPLE"}, ["Apple", "apple"]),
        ({"q": "milk, 2l"}, ["100% done_"]),  # the description, case-insensitively
        ({"q": "100%"}, ["100% done_"]),
        ({"q": "%"}, ["100% done_"]),  # LIKE wildcards match themselves
        ({"q": "_"}, ["100% done_"]),
        ({"q": "e_l"}, []),
        ({"q": "ÉCLAIR"}, ["Éclair"]),
        ({"q": "edited"}, ["banana"]),
    ],
)
def test_filters(client: TestClient, alice: Account, params: dict[str, Any], wanted: list[str]) -> None:
    tasks = seed(client, alice)
    cherry = next(task for task in tasks if task["title"] == "cherry")
    client.post(f"{task_url(cherry)}/complete", headers=alice.headers)
    assert titles(listed(client, alice, sort="created_at", **params)) == wanted


def test_filters_do_not_see_other_users_tasks(client: TestClient, alice: Account, bob: Account) -> None:
    create(client, bob, title="bob's work", tags=["work"], priority="high")
    create(client, alice, title="alice's", tags=["work"], priority="high")
    assert titles(listed(client, alice, tag="work", priority="high", q="'s")) == ["alice's"]


@pytest.mark.parametrize(
    "params",
    [
        {"sort": "colour"},
        {"sort": "--title"},
        {"priority": "urgent"},
        {"tag": ""},
        {"tag": "x" * 51},
        {"tag": [f"t{i}" for i in range(21)]},
        {"q": ""},
        {"q": "x" * 201},
        {"q": "bell\x07"},
        {"completed": "maybe"},
        {"overdue": "2"},
        {"due_before": "tomorrow"},
        {"limit": 0},
        {"limit": 101},
    ],
)
def test_bad_parameters_are_422(client: TestClient, alice: Account, params: dict[str, Any]) -> None:
    body = assert_problem(client.get(TASKS, params=params, headers=alice.headers), 422)
    assert str(body["errors"][0]["pointer"]).startswith("/query/")


def test_a_cursor_only_works_with_its_own_query(client: TestClient, alice: Account) -> None:
    seed(client, alice)
    page = client.get(
        TASKS, params={"limit": 1, "sort": "title", "tag": "work"}, headers=alice.headers
    ).json()
    cursor = page["next_cursor"]
    same = client.get(
        TASKS, params={"limit": 5, "sort": "title", "tag": "WORK", "cursor": cursor}, headers=alice.headers
    )
    assert same.status_code == 200  # page size may change, and tags are compared case-insensitively
    for other in (
        {"sort": "-title"},
        {"sort": "title"},
        {"sort": "title", "tag": "home"},
        {"sort": "title", "tag": "work", "q": "a"},
    ):
        response = client.get(TASKS, params={**other, "cursor": cursor}, headers=alice.headers)
        errors = assert_problem(response, 422)["errors"]
        assert errors[0]["pointer"] == "/query/cursor"
        assert "another query" in errors[0]["detail"]


def test_cursor_over_the_undated_tasks_keeps_the_null_segment(client: TestClient, alice: Account) -> None:
    for index in range(3):
        create(client, alice, title=f"undated {index}")
    create(client, alice, title="dated", due_at="2026-01-01T00:00:00Z")
    for sort, first in (("due_at", "dated"), ("-due_at", None)):
        seen = titles(listed(client, alice, sort=sort, limit=1))
        assert len(seen) == 4
        assert sorted(seen) == ["dated", "undated 0", "undated 1", "undated 2"]
        assert (seen[0] == "dated") is (first == "dated")
        assert (seen[-1] == "dated") is (first is None)
