"""Completing and reopening: explicit, idempotent states; recurring tasks get their next
occurrence exactly once, in the same transaction."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from impl.db.tables import TaskRow
from tests.accounts import Account
from tests.problems import assert_problem
from tests.tasks.task_requests import TASKS, create, listed, task_url

WEEKLY = {
    "title": "Water the plants",
    "priority": "medium",
    "tags": ["home", "Plants"],
    "description": "Both balconies",
    "due_at": "2026-01-05T18:00:00Z",  # a Monday, in the past
    "remind_at": "2026-01-05T17:30:00Z",
    "recurrence": "FREQ=WEEKLY;BYDAY=MO,TH",
}


def complete(client: TestClient, account: Account, task: dict[str, Any], **headers: str) -> Any:
    return client.post(f"{task_url(task)}/complete", headers={**account.headers, **headers})


def test_complete_and_reopen_are_explicit_and_idempotent(client: TestClient, alice: Account) -> None:
    task = create(client, alice)
    done = complete(client, alice, task)
    assert done.status_code == 200
    body = done.json()
    assert body["completed"] is True
    assert body["completed_at"] is not None
    assert done.headers["etag"] == body["etag"] == '"2"'

    again = complete(client, alice, task)
    assert again.status_code == 200
    assert again.json() == body  # no second write: same completed_at, same version

    reopened = client.post(f"{task_url(task)}/reopen", headers=alice.headers)
    assert reopened.status_code == 200
    assert (reopened.json()["completed"], reopened.json()["completed_at"], reopened.json()["etag"]) == (
        False,
        None,
        '"3"',
    )
    assert client.post(f"{task_url(task)}/reopen", headers=alice.headers).json()["etag"] == '"3"'


def test_completing_a_recurring_task_creates_its_next_occurrence(client: TestClient, alice: Account) -> None:
    task = create(client, alice, **WEEKLY)
    done = complete(client, alice, task).json()
    assert done["completed"] is True
    assert done["recurrence"] == WEEKLY["recurrence"]
    following_id = done["next_occurrence_id"]
    assert following_id is not None

    following = client.get(f"{TASKS}/{following_id}", headers=alice.headers).json()
    assert following["completed"] is False
    for field in ("title", "priority", "tags", "description", "recurrence"):
        assert following[field] == done[field], field
    # The next Monday or Thursday after now (the task was overdue), same time of day, and
    # the reminder keeps its 30-minute lead.
    due = following["due_at"]
    assert due > done["completed_at"]
    assert due.endswith("T18:00:00Z")
    assert following["remind_at"] == due.replace("T18:00:00Z", "T17:30:00Z")
    assert following["next_occurrence_id"] is None
    assert len(listed(client, alice)) == 2


def test_a_recurring_task_spawns_once_even_if_reopened(client: TestClient, alice: Account) -> None:
    task = create(client, alice, **WEEKLY)
    first = complete(client, alice, task).json()["next_occurrence_id"]
    client.post(f"{task_url(task)}/reopen", headers=alice.headers)
    assert complete(client, alice, task).json()["next_occurrence_id"] == first
    client.patch(task_url(task), json={"completed": False}, headers=alice.headers)
    assert (
        client.patch(task_url(task), json={"completed": True}, headers=alice.headers).json()[
            "next_occurrence_id"
        ]
        == first
    )
    assert len(listed(client, alice)) == 2


@pytest.mark.parametrize("how", ["patch", "put", "create", "batch"])
def test_every_way_of_completing_creates_the_next_occurrence(
    client: TestClient, alice: Account, how: str
) -> None:
    if how == "create":
        done = create(client, alice, **WEEKLY, completed=True)
    elif how == "batch":
        task = create(client, alice, **WEEKLY)
        operation = {"op": "update", "id": task["id"], "changes": {"completed": True}}
        response = client.post(f"{TASKS}/batch", json={"operations": [operation]}, headers=alice.headers)
        done = response.json()["results"][0]["task"]
    else:
        task = create(client, alice, **WEEKLY)
        body = {**WEEKLY, "completed": True}
        request = client.patch if how == "patch" else client.put
        done = request(
            task_url(task), json={"completed": True} if how == "patch" else body, headers=alice.headers
        ).json()
    assert done["completed"] is True
    assert done["next_occurrence_id"] is not None
    following = client.get(f"{TASKS}/{done['next_occurrence_id']}", headers=alice.headers).json()
    assert following["completed"] is False
    assert following["due_at"] > done["due_at"]


def test_the_last_occurrence_of_a_counted_series_does_not_recur(client: TestClient, alice: Account) -> None:
    task = create(
        client, alice, title="twice", due_at="2099-01-01T09:00:00Z", recurrence="FREQ=DAILY;COUNT=2"
    )
    second_id = complete(client, alice, task).json()["next_occurrence_id"]
    second = client.get(f"{TASKS}/{second_id}", headers=alice.headers).json()
    assert (second["due_at"], second["recurrence"]) == ("2099-01-02T09:00:00Z", None)
    assert complete(client, alice, second).json()["next_occurrence_id"] is None


def test_recurrence_needs_a_valid_rule_and_a_due_date(client: TestClient, alice: Account) -> None:
    missing_due = client.post(TASKS, json={"title": "t", "recurrence": "FREQ=DAILY"}, headers=alice.headers)
    assert assert_problem(missing_due, 422)["errors"] == [
        {"pointer": "/body/recurrence", "detail": "A recurring task needs a due_at: the rule counts from it."}
    ]
    for rule in (
        "FREQ=MINUTELY",
        "FREQ=HOURLY;BYMINUTE=0,30",
        "FREQ=DAILY;COUNT=1",
        "nonsense",
        "FREQ=DAILY;X=1",
    ):
        response = client.post(
            TASKS,
            json={"title": "t", "due_at": "2026-01-05T18:00:00Z", "recurrence": rule},
            headers=alice.headers,
        )
        errors = assert_problem(response, 422)["errors"]
        assert [error["pointer"] for error in errors] == ["/body/recurrence"], rule
    task = create(client, alice, **WEEKLY)
    unanchored = client.patch(task_url(task), json={"due_at": None}, headers=alice.headers)
    assert assert_problem(unanchored, 422)["errors"][0]["pointer"] == "/body/due_at"


def test_completion_of_a_missing_or_foreign_task_is_404(
    client: TestClient, alice: Account, bob: Account
) -> None:
    bobs = create(client, bob)
    for action in ("complete", "reopen"):
        foreign = client.post(f"{task_url(bobs)}/{action}", headers=alice.headers)
        missing = client.post(f"{TASKS}/{uuid.uuid4()}/{action}", headers=alice.headers)
        assert assert_problem(foreign, 404)["detail"] == assert_problem(missing, 404)["detail"]
    assert client.get(task_url(bobs), headers=bob.headers).json()["completed"] is False


def test_completion_and_next_occurrence_are_one_transaction(
    client: TestClient, alice: Account, db: Session
) -> None:
    task = create(client, alice, **WEEKLY)
    stale = complete(client, alice, task, **{"If-Match": '"7"'})
    assert_problem(stale, 412)
    rows = db.exec(select(TaskRow).where(col(TaskRow.owner_id) == uuid.UUID(alice.user_id))).all()
    assert [(row.completed, row.next_occurrence_id) for row in rows] == [(False, None)]
