"""Deletes leave tombstones; `updated_since` returns changes and tombstones; old ones are purged."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from impl.db.engine import build_database
from impl.db.tables import IdempotencyKeyRow, TaskRow, TaskTagRow
from impl.purge import Purged, purge
from impl.settings import Settings
from tests.accounts import Account
from tests.conftest import Backend, make_settings
from tests.problems import assert_problem
from tests.tasks.task_requests import TASKS, create, listed, task_url


def since(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def test_a_deleted_task_is_gone_except_for_delta_sync(client: TestClient, alice: Account) -> None:
    task = create(client, alice, tags=["x"])
    url = task_url(task)
    assert client.delete(url, headers=alice.headers).status_code == 204
    for method, body in (
        ("GET", None),
        ("PUT", {"title": "t", "completed": True}),
        ("PATCH", {}),
        ("DELETE", None),
    ):
        assert_problem(client.request(method, url, json=body, headers=alice.headers), 404)
    for action in ("complete", "reopen"):
        assert_problem(client.post(f"{url}/{action}", headers=alice.headers), 404)
    assert listed(client, alice) == []
    assert client.get("/api/v1/tags", headers=alice.headers).json() == {"items": [], "next_cursor": None}


def test_a_tombstone_keeps_nothing_the_user_wrote(client: TestClient, alice: Account, db: Session) -> None:
    task = create(
        client, alice, title="secret", description="very", tags=["x"], due_at="2026-01-01T00:00:00Z"
    )
    client.delete(task_url(task), headers=alice.headers)
    row = db.get_one(TaskRow, uuid.UUID(task["id"]))
    assert (row.title, row.description, row.due_at, row.search_key) == ("", None, None, "\x1f")
    assert row.deleted_at is not None
    assert db.exec(select(TaskTagRow).where(TaskTagRow.task_id == row.id)).all() == []


def test_updated_since_returns_changes_and_tombstones(
    client: TestClient, alice: Account, bob: Account
) -> None:
    old = create(client, alice, title="unchanged")
    edited = create(client, alice, title="to edit")
    doomed = create(client, alice, title="to delete")
    create(client, bob, title="bob's")
    checkpoint = datetime.fromisoformat(doomed["updated_at"]) + timedelta(microseconds=1)

    client.patch(task_url(edited), json={"priority": "high"}, headers=alice.headers)
    client.delete(task_url(doomed), headers=alice.headers)
    added = create(client, alice, title="new")

    items = listed(client, alice, updated_since=since(checkpoint), sort="updated_at")
    assert [item["id"] for item in items] == [edited["id"], doomed["id"], added["id"]]
    tombstone = items[1]
    assert set(tombstone) == {"object", "id", "deleted", "deleted_at"}
    assert (tombstone["object"], tombstone["deleted"]) == ("task_tombstone", True)
    assert [item["object"] for item in items] == ["task", "task_tombstone", "task"]
    assert items[0]["priority"] == "high"
    assert old["id"] not in {item["id"] for item in items}
    # Everything since the beginning of the window, with a limit of one per page.
    everything = listed(client, alice, updated_since=since(datetime.now(UTC) - timedelta(days=1)), limit=1)
    assert len(everything) == 4


def test_tombstones_ignore_content_filters(client: TestClient, alice: Account) -> None:
    checkpoint = datetime.now(UTC) - timedelta(minutes=1)
    task = create(client, alice, title="match me", priority="high")
    create(client, alice, title="other", priority="low")
    client.delete(task_url(task), headers=alice.headers)
    items = listed(client, alice, updated_since=since(checkpoint), priority="low", q="other")
    assert sorted(item.get("title", "tombstone") for item in items) == ["other", "tombstone"]


def test_updated_since_older_than_the_retention_is_410(client: TestClient, alice: Account) -> None:
    too_old = datetime.now(UTC) - timedelta(days=30, minutes=1)
    body = assert_problem(
        client.get(TASKS, params={"updated_since": since(too_old)}, headers=alice.headers), 410
    )
    assert body["type"] == "urn:tasks-api:problem:sync-expired"
    assert "without updated_since" in str(body["detail"])
    recent = datetime.now(UTC) - timedelta(days=29)
    assert (
        client.get(TASKS, params={"updated_since": since(recent)}, headers=alice.headers).status_code == 200
    )


def run_purge(url: str, settings: Settings, *, now: datetime) -> Purged:
    async def purge_on_its_own_connection() -> Purged:
        async with build_database(make_settings(url)).write() as connection:
            return await purge(connection, settings, now=now)

    return asyncio.run(purge_on_its_own_connection())


def test_purge_forgets_old_tombstones_and_keys_only(
    client: TestClient, alice: Account, db: Session, backend: Backend
) -> None:
    create(client, alice, title="kept")
    recent = create(client, alice, title="recently deleted")
    old = create(client, alice, title="long deleted", tags=["t"])
    client.post(TASKS, json={"title": "keyed"}, headers={**alice.headers, "Idempotency-Key": "k"})
    for task in (recent, old):
        client.delete(task_url(task), headers=alice.headers)
    now = datetime.now(UTC)
    row = db.get_one(TaskRow, uuid.UUID(old["id"]))
    row.deleted_at = now - timedelta(days=31)
    db.add(row)
    db.flush()

    settings = make_settings("sqlite://")
    purged = run_purge(backend.url, settings, now=now)
    assert (purged.tombstones, purged.idempotency_keys) == (1, 0)
    remaining = {(task.title, task.deleted_at is not None) for task in db.exec(select(TaskRow))}
    assert remaining == {("kept", False), ("", True), ("keyed", False)}  # a tombstone keeps no content
    assert db.exec(select(TaskTagRow).where(TaskTagRow.task_id == uuid.UUID(old["id"]))).all() == []

    later = run_purge(
        backend.url,
        Settings.model_validate(settings.model_dump() | {"idempotency_key_ttl_hours": 1}),
        now=now + timedelta(hours=2),
    )
    assert (later.tombstones, later.idempotency_keys) == (0, 1)
    assert db.exec(select(IdempotencyKeyRow)).all() == []
