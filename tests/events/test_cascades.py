"""Changes that reach other tasks are logged for each of them, in the same transaction, as if
each had been written on its own: a parent's completion, deletion or move to another list for
its subtasks, and a list's deletion for its tasks; lists' own changes are `list.*` entries.
Every entry is checked against the contract (tests/events/event_schemas.py)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session

from tests.accounts import Account
from tests.events.change_log import logged
from tests.lists.list_requests import LISTS, create_list, list_url
from tests.reminders.test_reminders import fire, in_hours, pending, stamp
from tests.tasks.task_requests import TASKS, create, task_url


def entries_since(db: Session, account: Account, seq: int) -> list[tuple[str, dict[str, Any]]]:
    return [(kind, data) for number, kind, data in logged(db, account.user_id) if number > seq]


def last_seq(db: Session, account: Account) -> int:
    entries = logged(db, account.user_id)
    return entries[-1][0] if entries else 0


def tree(client: TestClient, account: Account, **fields: object) -> tuple[dict[str, Any], ...]:
    """A parent, its child and grandchild, and a second child already completed."""
    parent = create(client, account, title="parent", **fields)
    child = create(client, account, title="child", parent_id=parent["id"])
    grandchild = create(client, account, title="grandchild", parent_id=child["id"])
    done = create(client, account, title="done", parent_id=parent["id"], completed=True)
    return parent, child, grandchild, done


def test_completing_a_parent_logs_each_subtask_it_completes(
    client: TestClient, db: Session, alice: Account
) -> None:
    parent, child, grandchild, _done = tree(client, alice)
    seq = last_seq(db, alice)
    assert client.post(f"{task_url(parent)}/complete", headers=alice.headers).status_code == 200
    entries = entries_since(db, alice, seq)
    assert [(kind, data["id"]) for kind, data in entries] == [
        ("task.completed", parent["id"]),
        ("task.completed", child["id"]),
        ("task.completed", grandchild["id"]),
    ]
    # Each entry is the subtask as GET answers it now.
    for _kind, data in entries[1:]:
        assert data == client.get(f"{TASKS}/{data['id']}", headers=alice.headers).json()


def test_deleting_a_parent_logs_a_tombstone_for_each_subtask(
    client: TestClient, db: Session, alice: Account
) -> None:
    parent, child, grandchild, done = tree(client, alice)
    seq = last_seq(db, alice)
    assert client.delete(task_url(parent), headers=alice.headers).status_code == 204
    entries = entries_since(db, alice, seq)
    assert [kind for kind, _data in entries] == ["task.deleted"] * 4
    assert {data["id"] for _kind, data in entries} == {
        parent["id"],
        child["id"],
        grandchild["id"],
        done["id"],
    }
    assert all(data["object"] == "task_tombstone" for _kind, data in entries)


def test_moving_a_parent_to_a_list_logs_its_subtasks_moving_with_it(
    client: TestClient, db: Session, alice: Account
) -> None:
    parent, child, grandchild, done = tree(client, alice)
    work = create_list(client, alice, "Work")
    seq = last_seq(db, alice)
    moved = client.patch(task_url(parent), json={"list_id": work["id"]}, headers=alice.headers)
    assert moved.status_code == 200, moved.text
    entries = entries_since(db, alice, seq)
    assert [kind for kind, _data in entries] == ["task.updated"] * 4
    assert {data["id"] for _kind, data in entries} == {
        parent["id"],
        child["id"],
        grandchild["id"],
        done["id"],
    }
    for _kind, data in entries:
        assert data["list_id"] == work["id"]
        assert data == client.get(f"{TASKS}/{data['id']}", headers=alice.headers).json()


def test_a_batch_logs_the_cascades_of_each_operation(client: TestClient, db: Session, alice: Account) -> None:
    parent, child, grandchild, _done = tree(client, alice)
    seq = last_seq(db, alice)
    body = {
        "operations": [
            {"op": "update", "id": parent["id"], "changes": {"completed": True}},
            {"op": "delete", "id": parent["id"]},
        ]
    }
    assert client.post(f"{TASKS}/batch", json=body, headers=alice.headers).status_code == 200
    entries = [(kind, data["id"]) for kind, data in entries_since(db, alice, seq)]
    assert entries[:3] == [
        ("task.completed", parent["id"]),
        ("task.completed", child["id"]),
        ("task.completed", grandchild["id"]),
    ]
    assert [kind for kind, _id in entries[3:]] == ["task.deleted"] * 4


def test_a_subtasks_reminder_is_cancelled_when_its_parent_completes_it(
    client: TestClient, db: Session, alice: Account
) -> None:
    remind_at = in_hours(1)
    parent = create(client, alice, title="parent")
    create(client, alice, title="child", parent_id=parent["id"], remind_at=stamp(remind_at))
    assert len(pending(client, alice)) == 1
    assert client.post(f"{task_url(parent)}/complete", headers=alice.headers).status_code == 200
    assert pending(client, alice) == []
    assert fire(client, in_hours(2)) == 0


def test_list_changes_are_logged(client: TestClient, db: Session, alice: Account, bob: Account) -> None:
    groceries = create_list(client, alice, "Groceries")
    work = create_list(client, alice, "Work")
    renamed = client.patch(list_url(groceries), json={"name": "Shopping"}, headers=alice.headers).json()
    moved = client.post(f"{list_url(work)}/move", json={"before_id": groceries["id"]}, headers=alice.headers)
    assert moved.status_code == 200
    entries = entries_since(db, alice, 0)
    assert entries == [
        ("list.created", groceries),
        ("list.created", work),
        ("list.updated", renamed),
        ("list.updated", moved.json()),
    ]
    assert logged(db, bob.user_id) == []


def test_deleting_a_list_logs_what_happens_to_its_tasks(
    client: TestClient, db: Session, alice: Account
) -> None:
    kept, dropped = create_list(client, alice, "Kept"), create_list(client, alice, "Dropped")
    to_inbox = [create(client, alice, title=f"keep {n}", list_id=kept["id"]) for n in range(2)]
    to_delete = [create(client, alice, title=f"drop {n}", list_id=dropped["id"]) for n in range(2)]
    seq = last_seq(db, alice)
    assert client.delete(list_url(kept), params={"tasks": "inbox"}, headers=alice.headers).status_code == 204
    entries = entries_since(db, alice, seq)
    assert [kind for kind, _data in entries] == ["task.updated", "task.updated", "list.deleted"]
    assert {data["id"] for _kind, data in entries[:2]} == {task["id"] for task in to_inbox}
    for _kind, data in entries[:2]:
        assert data["list_id"] is None
        assert data == client.get(f"{TASKS}/{data['id']}", headers=alice.headers).json()
    assert entries[2][1]["object"] == "list_tombstone"
    assert entries[2][1]["id"] == kept["id"]

    seq = last_seq(db, alice)
    assert (
        client.delete(list_url(dropped), params={"tasks": "delete"}, headers=alice.headers).status_code == 204
    )
    entries = entries_since(db, alice, seq)
    assert [kind for kind, _data in entries] == ["task.deleted", "task.deleted", "list.deleted"]
    assert {data["id"] for _kind, data in entries[:2]} == {task["id"] for task in to_delete}
    assert client.get(LISTS, headers=alice.headers).json()["items"] == []


def test_a_move_is_logged_and_so_are_the_siblings_a_rebalance_renumbers(
    client: TestClient, db: Session, alice: Account
) -> None:
    first, second = create(client, alice, title="first"), create(client, alice, title="second")
    third = create(client, alice, title="third")
    seq = last_seq(db, alice)
    moved = client.post(f"{task_url(third)}/move", json={"before_id": first["id"]}, headers=alice.headers)
    assert moved.status_code == 200, moved.text
    assert entries_since(db, alice, seq) == [("task.updated", moved.json())]
    # Moves into one shrinking gap until the ranks run out and the siblings are respaced.
    for _ in range(200):
        for task in (third, second):
            response = client.post(
                f"{task_url(task)}/move", json={"after_id": first["id"]}, headers=alice.headers
            )
            assert response.status_code == 200, response.text
    entries = entries_since(db, alice, seq)
    assert all(kind == "task.updated" for kind, _data in entries)
    # A rebalance logged the siblings it renumbered: `first` changed only then.
    assert first["id"] in {data["id"] for _kind, data in entries}
    latest = {data["id"]: data for _kind, data in entries}
    for task_id, data in latest.items():
        assert data == client.get(f"{TASKS}/{task_id}", headers=alice.headers).json()


def test_a_recurring_parents_next_occurrence_logs_its_copied_subtasks(
    client: TestClient, db: Session, alice: Account
) -> None:
    parent = create(
        client, alice, title="weekly review", due_at="2026-01-19T18:00:00Z", recurrence="FREQ=WEEKLY"
    )
    create(client, alice, title="inbox zero", parent_id=parent["id"])
    seq = last_seq(db, alice)
    done = client.post(f"{task_url(parent)}/complete", headers=alice.headers).json()
    entries = entries_since(db, alice, seq)
    kinds = [kind for kind, _data in entries]
    # The parent, its next occurrence, that one's copy of the subtask, then the subtask itself.
    assert kinds == ["task.completed", "task.created", "task.created", "task.completed"], kinds
    spawned = entries[1][1]
    assert spawned["id"] == done["next_occurrence_id"]
    assert spawned["subtask_count"] == 1
    copy = entries[2][1]
    assert copy["parent_id"] == spawned["id"]
    # Each entry is the task as GET answers it now (the next occurrence counts its copy).
    for _kind, data in entries[1:3]:
        assert data == client.get(f"{TASKS}/{data['id']}", headers=alice.headers).json()


def test_a_batch_that_gives_a_leaf_a_subtask_then_deletes_it_deletes_both(
    client: TestClient, db: Session, alice: Account
) -> None:
    leaf, other = create(client, alice, title="leaf"), create(client, alice, title="other")
    seq = last_seq(db, alice)
    body = {
        "operations": [
            {"op": "update", "id": other["id"], "changes": {"parent_id": leaf["id"]}},
            {"op": "delete", "id": leaf["id"]},
        ]
    }
    assert client.post(f"{TASKS}/batch", json=body, headers=alice.headers).status_code == 200
    assert client.get(task_url(other), headers=alice.headers).status_code == 404
    kinds = [(kind, data["id"]) for kind, data in entries_since(db, alice, seq)]
    assert kinds == [
        ("task.updated", other["id"]),
        ("task.deleted", leaf["id"]),
        ("task.deleted", other["id"]),
    ]
