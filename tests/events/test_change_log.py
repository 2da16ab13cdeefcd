"""Every task write appends its change-log entries in its own transaction: create, update,
replace, complete (with the next occurrence of a recurring task), reopen, delete and batch;
a write that fails appends nothing; each user's entries are numbered 1, 2, 3... in commit
order, and every entry is valid against the contract."""

from __future__ import annotations

import uuid
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session

from impl.db.database import Database
from impl.db.tables import EventCounterRow
from impl.db.timestamps import utc_now
from impl.purge import purge
from tests.accounts import Account
from tests.events.change_log import logged
from tests.tasks.task_requests import TASKS, create, task_url


def kinds(db: Session, account: Account) -> list[str]:
    return [kind for _seq, kind, _data in logged(db, account.user_id)]


def test_every_task_write_is_logged(client: TestClient, db: Session, alice: Account) -> None:
    task = create(client, alice, title="Water the plants", tags=["home"])
    url = task_url(task)
    assert client.patch(url, json={"priority": "high"}, headers=alice.headers).status_code == 200
    replaced = {"title": "Water the roses", "completed": False}
    assert client.put(url, json=replaced, headers=alice.headers).status_code == 200
    assert client.post(f"{url}/complete", headers=alice.headers).status_code == 200
    assert client.post(f"{url}/reopen", headers=alice.headers).status_code == 200
    assert client.delete(url, headers=alice.headers).status_code == 204

    entries = logged(db, alice.user_id)
    assert [seq for seq, _kind, _data in entries] == [1, 2, 3, 4, 5, 6]
    assert [kind for _seq, kind, _data in entries] == [
        "task.created",
        "task.updated",
        "task.updated",
        "task.completed",
        "task.updated",
        "task.deleted",
    ]
    # Each entry is the task as GET answered right after that write (or the tombstone).
    assert entries[0][2] == task
    assert entries[1][2]["priority"] == "high"
    assert entries[1][2]["etag"] == '"2"'
    assert entries[3][2]["completed"] is True
    assert entries[5][2] == {
        "object": "task_tombstone",
        "id": task["id"],
        "deleted": True,
        "deleted_at": entries[5][2]["deleted_at"],
    }


def test_completing_a_recurring_task_logs_its_next_occurrence(
    client: TestClient, db: Session, alice: Account
) -> None:
    task = create(client, alice, due_at="2026-01-19T18:00:00Z", recurrence="FREQ=DAILY")
    completed = client.post(f"{task_url(task)}/complete", headers=alice.headers).json()
    entries = logged(db, alice.user_id)
    assert [kind for _seq, kind, _data in entries] == ["task.created", "task.completed", "task.created"]
    assert entries[2][2]["id"] == completed["next_occurrence_id"]


def test_a_batch_logs_each_operation_in_order(client: TestClient, db: Session, alice: Account) -> None:
    kept = create(client, alice, title="Kept")
    gone = create(client, alice, title="Gone")
    body = {
        "operations": [
            {"op": "create", "task": {"title": "New"}},
            {"op": "update", "id": kept["id"], "changes": {"completed": True}},
            {"op": "delete", "id": gone["id"]},
        ]
    }
    assert client.post(f"{TASKS}/batch", json=body, headers=alice.headers).status_code == 200
    assert kinds(db, alice)[2:] == ["task.created", "task.completed", "task.deleted"]


def test_a_failed_write_logs_nothing(client: TestClient, db: Session, alice: Account) -> None:
    task = create(client, alice)
    body = {
        "operations": [
            {"op": "update", "id": task["id"], "changes": {"title": "Changed"}},
            {"op": "update", "id": task["id"], "if_match": '"99"', "changes": {"title": "Stale"}},
        ]
    }
    assert client.post(f"{TASKS}/batch", json=body, headers=alice.headers).status_code == 412
    stale = client.patch(task_url(task), json={"title": "x"}, headers={**alice.headers, "If-Match": '"7"'})
    assert stale.status_code == 412
    assert client.patch(task_url(task), json={}, headers=alice.headers).status_code == 200  # no change
    assert client.post(f"{task_url(task)}/reopen", headers=alice.headers).status_code == 200  # already open
    assert kinds(db, alice) == ["task.created"]
    # The next write gets the next number: nothing was used up by the failures.
    assert client.patch(task_url(task), json={"title": "Now"}, headers=alice.headers).status_code == 200
    assert [seq for seq, _kind, _data in logged(db, alice.user_id)] == [1, 2]


def test_each_user_has_their_own_log(client: TestClient, db: Session, alice: Account, bob: Account) -> None:
    create(client, alice, title="Alice's")
    create(client, bob, title="Bob's")
    create(client, bob, title="Bob's second")
    assert [(seq, data["title"]) for seq, _kind, data in logged(db, alice.user_id)] == [(1, "Alice's")]
    assert [(seq, data["title"]) for seq, _kind, data in logged(db, bob.user_id)] == [
        (1, "Bob's"),
        (2, "Bob's second"),
    ]
    # Bob cannot write to Alice's task, so nothing lands in either log.
    alices = logged(db, alice.user_id)[0][2]
    assert client.patch(task_url(alices), json={"title": "Mine"}, headers=bob.headers).status_code == 404
    assert len(logged(db, alice.user_id)) == 1
    assert len(logged(db, bob.user_id)) == 2


def test_purge_forgets_entries_past_the_retention_and_remembers_where(
    client: TestClient, db: Session, alice: Account
) -> None:
    for title in ("one", "two"):
        create(client, alice, title=title)
    database: Database = client.app.state.database  # type: ignore[attr-defined]
    settings = client.app.state.settings  # type: ignore[attr-defined]

    async def purge_later() -> int:
        async with database.write() as connection:
            purged = await purge(connection, settings, now=utc_now() + timedelta(days=31))
        return purged.events

    assert client.portal is not None
    assert client.portal.call(purge_later) == 2
    assert logged(db, alice.user_id) == []
    counter = db.get(EventCounterRow, uuid.UUID(alice.user_id))
    assert counter is not None
    assert (counter.last_seq, counter.purged_through) == (2, 2)
