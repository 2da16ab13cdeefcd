"""GET /tags: the caller's tags with the number of their live tasks that carry each."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.accounts import Account
from tests.problems import assert_problem
from tests.tasks.task_requests import create, task_url


def test_tag_list_counts_the_callers_live_tasks(client: TestClient, alice: Account, bob: Account) -> None:
    create(client, alice, tags=["Work", "home"])
    create(client, alice, tags=["work"])
    gone = create(client, alice, tags=["trash"])
    create(client, bob, tags=["bobs"])
    assert client.delete(task_url(gone), headers=alice.headers).status_code == 204
    tags = client.get("/api/v1/tags", headers=alice.headers)
    assert tags.status_code == 200
    assert tags.json() == {
        "items": [{"name": "home", "count": 1}, {"name": "Work", "count": 2}],
        "next_cursor": None,
    }
    bobs = client.get("/api/v1/tags", headers=bob.headers).json()
    assert bobs == {"items": [{"name": "bobs", "count": 1}], "next_cursor": None}
    assert_problem(client.get("/api/v1/tags"), 401)
