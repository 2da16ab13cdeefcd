"""Reminders: each fires exactly once, as one `reminder.due` change-log entry valid against
the contract, when its time has come (the loop is driven here with explicit instants, never by
waiting); late ones say so; completing, deleting or moving the reminder first cancels it; a
recurring task's next occurrence is armed; GET /api/v1/reminders lists the pending ones."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session

from impl.reminders.scheduler import ReminderScheduler
from tests.accounts import Account
from tests.events.change_log import logged
from tests.openapi_document import schema_validator
from tests.problems import assert_problem
from tests.tasks.task_requests import create, task_url

REMINDERS = "/api/v1/reminders"


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def in_hours(hours: float) -> datetime:
    return (datetime.now(UTC) + timedelta(hours=hours)).replace(microsecond=0)


def fire(client: TestClient, at: datetime) -> int:
    """One round of the reminder loop, at `at`, on the app's own event loop."""
    scheduler: ReminderScheduler = client.app.state.reminders  # type: ignore[attr-defined]
    assert client.portal is not None
    return client.portal.call(scheduler.fire_due, at)


def due_events(db: Session, account: Account) -> list[dict[str, Any]]:
    return [data for _seq, kind, data in logged(db, account.user_id) if kind == "reminder.due"]


def pending(client: TestClient, account: Account, **params: str | int) -> list[dict[str, Any]]:
    response = client.get(REMINDERS, params=params, headers=account.headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert not list(schema_validator({"$ref": "#/components/schemas/ReminderList"}).iter_errors(body))
    items: list[dict[str, Any]] = body["items"]
    return items


def test_a_reminder_fires_exactly_once_when_due(client: TestClient, db: Session, alice: Account) -> None:
    remind_at = in_hours(1)
    task = create(client, alice, title="Call mum", remind_at=stamp(remind_at), due_at=stamp(in_hours(2)))
    assert [item["task_id"] for item in pending(client, alice)] == [task["id"]]
    assert fire(client, remind_at - timedelta(seconds=1)) == 0
    assert fire(client, remind_at + timedelta(seconds=1)) == 1
    assert fire(client, remind_at + timedelta(seconds=2)) == 0
    assert due_events(db, alice) == [
        {
            "object": "reminder",
            "task_id": task["id"],
            "title": "Call mum",
            "remind_at": task["remind_at"],
            "due_at": task["due_at"],
            "late": False,
        }
    ]
    assert pending(client, alice) == []


def test_a_reminder_missed_while_no_instance_ran_fires_late(
    client: TestClient, db: Session, alice: Account
) -> None:
    remind_at = in_hours(1)
    create(client, alice, remind_at=stamp(remind_at))
    assert fire(client, remind_at + timedelta(hours=3)) == 1
    assert [event["late"] for event in due_events(db, alice)] == [True]


def test_completing_deleting_or_clearing_first_cancels(
    client: TestClient, db: Session, alice: Account
) -> None:
    remind_at = in_hours(1)
    completed = create(client, alice, title="done", remind_at=stamp(remind_at))
    deleted = create(client, alice, title="gone", remind_at=stamp(remind_at))
    cleared = create(client, alice, title="cleared", remind_at=stamp(remind_at))
    assert client.post(f"{task_url(completed)}/complete", headers=alice.headers).status_code == 200
    assert client.delete(task_url(deleted), headers=alice.headers).status_code == 204
    assert client.patch(task_url(cleared), json={"remind_at": None}, headers=alice.headers).status_code == 200
    assert pending(client, alice) == []
    assert fire(client, remind_at + timedelta(seconds=1)) == 0
    assert due_events(db, alice) == []
    # Reopened with its reminder still ahead: armed again.
    assert client.post(f"{task_url(completed)}/reopen", headers=alice.headers).status_code == 200
    assert fire(client, remind_at + timedelta(seconds=1)) == 1


def test_moving_the_reminder_moves_it_and_other_edits_keep_it(
    client: TestClient, db: Session, alice: Account
) -> None:
    first, later = in_hours(1), in_hours(2)
    task = create(client, alice, remind_at=stamp(first))
    assert (
        client.patch(task_url(task), json={"remind_at": stamp(later)}, headers=alice.headers).status_code
        == 200
    )
    assert client.patch(task_url(task), json={"title": "Renamed"}, headers=alice.headers).status_code == 200
    assert fire(client, first + timedelta(seconds=1)) == 0
    assert fire(client, later + timedelta(seconds=1)) == 1
    assert [event["title"] for event in due_events(db, alice)] == ["Renamed"]


def test_a_recurring_task_arms_its_next_occurrence(client: TestClient, db: Session, alice: Account) -> None:
    due = in_hours(24)
    task = create(
        client,
        alice,
        due_at=stamp(due),
        remind_at=stamp(due - timedelta(minutes=30)),
        recurrence="FREQ=DAILY",
    )
    completed = client.post(f"{task_url(task)}/complete", headers=alice.headers).json()
    [armed] = pending(client, alice)
    assert armed["task_id"] == completed["next_occurrence_id"]
    assert armed["remind_at"] == stamp(due + timedelta(days=1) - timedelta(minutes=30))


def test_listing_filters_and_is_per_user(client: TestClient, alice: Account, bob: Account) -> None:
    soon, later = in_hours(1), in_hours(5)
    create(client, alice, title="soon", remind_at=stamp(soon))
    create(client, alice, title="later", remind_at=stamp(later))
    create(client, bob, title="bob's", remind_at=stamp(soon))
    assert [item["title"] for item in pending(client, alice)] == ["soon", "later"]
    assert [item["title"] for item in pending(client, alice, due_before=stamp(in_hours(2)))] == ["soon"]
    assert [item["title"] for item in pending(client, alice, limit=1)] == ["soon"]
    assert [item["title"] for item in pending(client, bob)] == ["bob's"]
    assert_problem(client.get(REMINDERS), 401)
    assert_problem(client.get(REMINDERS, params={"due_before": "tomorrow"}, headers=alice.headers), 422)
    assert_problem(client.get(REMINDERS, params={"limit": 0}, headers=alice.headers), 422)


def test_claimers_running_at_once_fire_each_reminder_once(
    client: TestClient, db: Session, alice: Account
) -> None:
    remind_at = in_hours(1)
    for index in range(30):
        create(client, alice, title=f"r{index}", remind_at=stamp(remind_at))
    scheduler: ReminderScheduler = client.app.state.reminders  # type: ignore[attr-defined]

    async def race() -> list[int]:
        at = remind_at + timedelta(seconds=1)
        return list(await asyncio.gather(*(scheduler.fire_due(at) for _ in range(4))))

    assert client.portal is not None
    assert sum(client.portal.call(race)) == 30
    fired = due_events(db, alice)
    assert sorted(event["title"] for event in fired) == sorted(f"r{index}" for index in range(30))
