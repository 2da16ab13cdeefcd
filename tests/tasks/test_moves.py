"""Manual order through the real app, on every backend: moves among siblings, sort=position,
If-Match, anchors that are not siblings, and rebalancing."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.accounts import Account
from tests.lists.list_requests import create_list
from tests.problems import assert_problem
from tests.tasks.task_requests import create, listed, task_url, titles


def move(client: TestClient, account: Account, task: dict[str, Any], **body: object) -> dict[str, Any]:
    response = client.post(f"{task_url(task)}/move", json=body, headers=account.headers)
    assert response.status_code == 200, response.text
    moved: dict[str, Any] = response.json()
    return moved


def test_drag_and_drop_reorders_siblings(client: TestClient, alice: Account) -> None:
    tasks = [create(client, alice, title=name) for name in "ABCDE"]
    assert titles(listed(client, alice, sort="position")) == list("ABCDE")
    moved = move(client, alice, tasks[4], after_id=tasks[0]["id"])
    assert moved["etag"] == '"2"'
    move(client, alice, tasks[0], before_id=tasks[3]["id"])
    move(client, alice, tasks[1])  # last
    assert titles(listed(client, alice, sort="position", limit=2)) == list("ECADB")
    assert titles(listed(client, alice, sort="-position")) == list("BDACE")
    # Only the moved task was written.
    assert [task["etag"] for task in listed(client, alice, sort="position")] == [
        '"2"',
        '"1"',
        '"2"',
        '"1"',
        '"2"',
    ]


def test_if_match_and_anchors(client: TestClient, alice: Account, bob: Account) -> None:
    first, second = create(client, alice), create(client, alice)
    stale = client.post(f"{task_url(first)}/move", json={}, headers={**alice.headers, "If-Match": '"7"'})
    assert_problem(stale, 412)
    inbox_list = create_list(client, alice)
    elsewhere = create(client, alice, list_id=inbox_list["id"])
    subtask = create(client, alice, parent_id=second["id"])
    for anchor in (elsewhere, subtask):
        response = client.post(
            f"{task_url(first)}/move", json={"after_id": anchor["id"]}, headers=alice.headers
        )
        assert assert_problem(response, 422)["errors"][0]["pointer"] == "/body/after_id"
    itself = client.post(f"{task_url(first)}/move", json={"before_id": first["id"]}, headers=alice.headers)
    assert assert_problem(itself, 422)["errors"][0]["pointer"] == "/body/before_id"
    bobs = create(client, bob)
    foreign = client.post(f"{task_url(first)}/move", json={"after_id": bobs["id"]}, headers=alice.headers)
    assert assert_problem(foreign, 404)["errors"][0]["pointer"] == "/body/after_id"
    assert_problem(client.post(f"{task_url(bobs)}/move", json={}, headers=alice.headers), 404)
    # Into a list, next to a task there.
    moved = move(client, alice, first, list_id=inbox_list["id"], before_id=elsewhere["id"])
    assert moved["list_id"] == inbox_list["id"]
    assert [task["id"] for task in listed(client, alice, list_id=inbox_list["id"], sort="position")] == [
        first["id"],
        elsewhere["id"],
    ]


def test_many_moves_into_one_gap_keep_a_total_order(client: TestClient, alice: Account) -> None:
    left, right = create(client, alice, title="left"), create(client, alice, title="right")
    movers = [create(client, alice, title=f"m{index}") for index in range(4)]
    for task in movers * 90:
        move(client, alice, task, before_id=right["id"])
    items = listed(client, alice, sort="position")
    assert titles(items) == ["left", "m0", "m1", "m2", "m3", "right"]
    positions = [item["position"] for item in items]
    assert len(set(positions)) == len(positions)
    assert max(map(len, positions)) <= 48
    assert left["id"]
