"""Subtasks through the real app, on every backend: the parent's list, depth, cycles, counts,
and what completing, moving, deleting and recurring do to a subtree."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from tests.accounts import Account
from tests.lists.list_requests import create_list
from tests.problems import assert_problem
from tests.tasks.task_requests import TASKS, create, listed, task_url


def get(client: TestClient, account: Account, task: dict[str, Any]) -> dict[str, Any]:
    response = client.get(task_url(task), headers=account.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_a_subtask_is_in_its_parents_list_and_counted(client: TestClient, alice: Account) -> None:
    work = create_list(client, alice, "Work")
    parent = create(client, alice, list_id=work["id"])
    child = create(client, alice, parent_id=parent["id"])
    assert (child["list_id"], child["parent_id"]) == (work["id"], parent["id"])
    create(client, alice, parent_id=parent["id"], completed=True)
    body = get(client, alice, parent)
    assert (body["subtask_count"], body["completed_subtask_count"]) == (2, 1)
    other = create_list(client, alice, "Other")
    wrong = client.post(
        TASKS, json={"title": "x", "parent_id": parent["id"], "list_id": other["id"]}, headers=alice.headers
    )
    assert assert_problem(wrong, 422)["errors"][0]["pointer"] == "/body/list_id"
    patched = client.patch(task_url(child), json={"list_id": other["id"]}, headers=alice.headers)
    assert assert_problem(patched, 422)["errors"][0]["pointer"] == "/body/list_id"
    subtasks = listed(client, alice, parent_id=parent["id"], sort="position")
    assert next(task["id"] for task in subtasks) == child["id"]
    assert len(subtasks) == 2
    assert {task["id"] for task in listed(client, alice, parent_id="none")} == {parent["id"]}


def test_depth_is_at_most_four_and_cycles_are_refused(client: TestClient, alice: Account) -> None:
    chain = [create(client, alice)]
    for _ in range(3):
        chain.append(create(client, alice, parent_id=chain[-1]["id"]))
    too_deep = client.post(TASKS, json={"title": "x", "parent_id": chain[-1]["id"]}, headers=alice.headers)
    assert assert_problem(too_deep, 422)["errors"][0]["pointer"] == "/body/parent_id"
    # A two-level subtree under the third level would be five deep.
    pair = create(client, alice)
    create(client, alice, parent_id=pair["id"])
    moved = client.patch(task_url(pair), json={"parent_id": chain[2]["id"]}, headers=alice.headers)
    assert assert_problem(moved, 422)["errors"][0]["pointer"] == "/body/parent_id"
    assert (
        client.patch(task_url(pair), json={"parent_id": chain[1]["id"]}, headers=alice.headers).status_code
        == 200
    )
    for ancestor, descendant in ((chain[0], chain[2]), (chain[1], chain[1])):
        cycle = client.patch(task_url(ancestor), json={"parent_id": descendant["id"]}, headers=alice.headers)
        assert assert_problem(cycle, 422)["errors"][0]["pointer"] == "/body/parent_id"
        moved = client.post(
            f"{task_url(ancestor)}/move", json={"parent_id": descendant["id"]}, headers=alice.headers
        )
        assert assert_problem(moved, 422)["errors"][0]["pointer"] == "/body/parent_id"


def test_moving_a_parent_to_another_list_moves_its_subtree(client: TestClient, alice: Account) -> None:
    home = create_list(client, alice, "Home")
    parent = create(client, alice)
    child = create(client, alice, parent_id=parent["id"])
    grandchild = create(client, alice, parent_id=child["id"])
    moved = client.patch(task_url(parent), json={"list_id": home["id"]}, headers=alice.headers)
    assert moved.status_code == 200, moved.text
    for task in (parent, child, grandchild):
        assert get(client, alice, task)["list_id"] == home["id"]
    assert {task["id"] for task in listed(client, alice, list_id=home["id"])} == {
        parent["id"],
        child["id"],
        grandchild["id"],
    }
    # Making the child top-level in the inbox takes its own subtask along.
    client.post(f"{task_url(child)}/move", json={"list_id": None}, headers=alice.headers).raise_for_status()
    assert (get(client, alice, child)["parent_id"], get(client, alice, grandchild)["list_id"]) == (None, None)
    assert get(client, alice, parent)["subtask_count"] == 0


def test_completing_a_parent_completes_its_open_subtasks_and_reopening_reopens_none(
    client: TestClient, alice: Account
) -> None:
    parent = create(client, alice)
    child = create(client, alice, parent_id=parent["id"])
    grandchild = create(client, alice, parent_id=child["id"])
    done = create(client, alice, parent_id=parent["id"], completed=True)
    completed = client.post(f"{task_url(parent)}/complete", headers=alice.headers).json()
    assert (completed["subtask_count"], completed["completed_subtask_count"]) == (2, 2)
    assert all(get(client, alice, task)["completed"] for task in (child, grandchild, done))
    assert get(client, alice, done)["etag"] == done["etag"]  # already completed: untouched
    client.post(f"{task_url(parent)}/reopen", headers=alice.headers).raise_for_status()
    assert get(client, alice, child)["completed"] is True
    # PATCH and batch complete the same way.
    other = create(client, alice)
    sub = create(client, alice, parent_id=other["id"])
    batch = {"operations": [{"op": "update", "id": other["id"], "changes": {"completed": True}}]}
    assert client.post(f"{TASKS}/batch", json=batch, headers=alice.headers).status_code == 200
    assert get(client, alice, sub)["completed"] is True


def test_deleting_a_parent_deletes_its_subtree_with_tombstones(client: TestClient, alice: Account) -> None:
    since = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    parent = create(client, alice)
    child = create(client, alice, parent_id=parent["id"], tags=["t"])
    grandchild = create(client, alice, parent_id=child["id"])
    assert client.delete(task_url(parent), headers=alice.headers).status_code == 204
    for task in (parent, child, grandchild):
        assert_problem(client.get(task_url(task), headers=alice.headers), 404)
    synced = listed(client, alice, updated_since=since)
    assert {item["id"] for item in synced} == {parent["id"], child["id"], grandchild["id"]}
    assert {item["object"] for item in synced} == {"task_tombstone"}
    assert client.get("/api/v1/tags", headers=alice.headers).json()["items"] == []


def test_a_recurring_parents_next_occurrence_gets_fresh_open_subtasks(
    client: TestClient, alice: Account
) -> None:
    parent = create(client, alice, due_at="2026-01-05T09:00:00Z", recurrence="FREQ=WEEKLY")
    first = create(client, alice, parent_id=parent["id"], title="Step 1", tags=["a"])
    second = create(client, alice, parent_id=parent["id"], title="Step 2", completed=True)
    create(client, alice, parent_id=first["id"], title="Step 1.1")
    client.post(
        f"{task_url(second)}/move", json={"before_id": first["id"]}, headers=alice.headers
    ).raise_for_status()
    completed = client.post(f"{task_url(parent)}/complete", headers=alice.headers).json()
    following = get(client, alice, {"id": completed["next_occurrence_id"]})
    assert (following["subtask_count"], following["completed_subtask_count"]) == (2, 0)
    copies = listed(client, alice, parent_id=following["id"], sort="position")
    assert [(task["title"], task["completed"]) for task in copies] == [("Step 2", False), ("Step 1", False)]
    assert copies[1]["tags"] == ["a"]
    assert copies[1]["subtask_count"] == 1
    nested = listed(client, alice, parent_id=copies[1]["id"])
    assert [task["title"] for task in nested] == ["Step 1.1"]
    # The originals stay with the completed occurrence.
    assert get(client, alice, first)["parent_id"] == parent["id"]


def test_batch_builds_a_tree_and_checks_it(client: TestClient, alice: Account, bob: Account) -> None:
    parent = create(client, alice)
    child = create(client, alice)
    batch = {
        "operations": [
            {"op": "update", "id": child["id"], "changes": {"parent_id": parent["id"]}},
            {"op": "create", "task": {"title": "grandchild", "parent_id": child["id"]}},
        ]
    }
    response = client.post(f"{TASKS}/batch", json=batch, headers=alice.headers)
    assert response.status_code == 200, response.text
    grandchild = response.json()["results"][1]["task"]
    assert grandchild["parent_id"] == child["id"]
    assert get(client, alice, parent)["subtask_count"] == 1
    cycle = {"operations": [{"op": "update", "id": parent["id"], "changes": {"parent_id": grandchild["id"]}}]}
    problem = assert_problem(client.post(f"{TASKS}/batch", json=cycle, headers=alice.headers), 422)
    assert problem["errors"][0]["pointer"] == "/body/operations/0/changes/parent_id"
    bobs = create(client, bob)
    foreign = {"operations": [{"op": "create", "task": {"title": "x", "parent_id": bobs["id"]}}]}
    problem = assert_problem(client.post(f"{TASKS}/batch", json=foreign, headers=alice.headers), 404)
    assert problem["errors"][0]["pointer"] == "/body/operations/0/task/parent_id"
    # Deleting a parent and then updating its deleted subtask in one batch: the subtask is gone.
    stale = {
        "operations": [
            {"op": "delete", "id": parent["id"]},
            {"op": "update", "id": child["id"], "changes": {"title": "back?"}},
        ]
    }
    problem = assert_problem(client.post(f"{TASKS}/batch", json=stale, headers=alice.headers), 404)
    assert problem["errors"][0]["pointer"] == "/body/operations/1/id"
    assert get(client, alice, child)["title"] == "Buy milk"


def test_another_users_parent_is_a_404_everywhere(client: TestClient, alice: Account, bob: Account) -> None:
    bobs = create(client, bob)
    mine = create(client, alice)
    for response in (
        client.post(TASKS, json={"title": "x", "parent_id": bobs["id"]}, headers=alice.headers),
        client.patch(task_url(mine), json={"parent_id": bobs["id"]}, headers=alice.headers),
        client.put(
            task_url(mine),
            json={"title": "x", "completed": False, "parent_id": bobs["id"]},
            headers=alice.headers,
        ),
        client.post(f"{task_url(mine)}/move", json={"parent_id": bobs["id"]}, headers=alice.headers),
    ):
        assert assert_problem(response, 404)["errors"][0]["pointer"] == "/body/parent_id"
    filtered = client.get(TASKS, params={"parent_id": bobs["id"]}, headers=alice.headers)
    assert assert_problem(filtered, 404)["errors"][0]["pointer"] == "/query/parent_id"
    assert get(client, bob, bobs)["subtask_count"] == 0
