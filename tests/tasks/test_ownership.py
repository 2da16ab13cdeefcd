"""Two users: alice's listings and cursors never show bob's tasks. (A foreign task through
every single-task operation: tests/security/test_foreign_tasks.py; owners and ids in bodies:
tests/security/test_mass_assignment.py.)"""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.accounts import Account

TASKS = "/api/v1/tasks"


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
