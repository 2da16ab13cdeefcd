"""The stream's read, the pending-reminder list and the reminder claim are index walks with
no sort, on PostgreSQL with the service's planner settings (enable_sort = off, whose penalty
on a sort node once set off JIT compilation: 45 ms a read on an empty table)."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest

from impl.auth.identity import LOCAL_CALLER_VALID
from impl.changes.log import _AFTER
from impl.db.engine import PLANNER_SETTINGS
from impl.db.ranks import clock_rank
from impl.migrate import upgrade
from impl.reminders.repository import _CLAIM, _PENDING
from tests.databases import POSTGRES_URL, temporary_database

pytestmark = pytest.mark.skipif(not POSTGRES_URL, reason="needs PostgreSQL (TEST_DATABASE_URL)")
NOW = datetime(2026, 6, 1, tzinfo=UTC)
OWNERS = [uuid.UUID(int=index + 1) for index in range(3)]


def pyformat(text: str) -> str:
    return re.sub(r"(?<![:\w]):([A-Za-z_]\w*)", r"%(\1)s", text.replace("{caller_valid}", LOCAL_CALLER_VALID))


@pytest.fixture(scope="module")
def connection(tmp_path_factory: pytest.TempPathFactory) -> Iterator[psycopg.Connection[Any]]:
    with temporary_database("postgresql", tmp_path_factory.mktemp("plans")) as url:
        upgrade(url)
        with psycopg.connect(url, autocommit=True) as conn:
            for owner in OWNERS:
                conn.execute(
                    "INSERT INTO users (id, email, email_key, token_version, created_at, updated_at)"
                    " VALUES (%s, %s, %s, 0, %s, %s)",
                    (owner, f"{owner}@example.com", f"{owner}@example.com", NOW, NOW),
                )
                tasks = [uuid.uuid4() for _ in range(2000)]
                with conn.cursor() as cursor:
                    cursor.executemany(
                        "INSERT INTO tasks (id, owner_id, title, completed, title_key, search_key,"
                        " created_at, updated_at, rank) VALUES (%s, %s, 't', false, 't', 't', %s, %s, %s)",
                        [(task, owner, NOW, NOW, clock_rank(NOW, task)) for task in tasks],
                    )
                    cursor.executemany(
                        "INSERT INTO events (owner_id, seq, kind, data, created_at)"
                        " VALUES (%s, %s, 'task.created', '{}', %s)",
                        [(owner, seq, NOW) for seq in range(1, 2001)],
                    )
                    cursor.executemany(
                        "INSERT INTO reminders (task_id, owner_id, remind_at) VALUES (%s, %s, %s)",
                        [(task, owner, NOW + timedelta(minutes=i)) for i, task in enumerate(tasks)],
                    )
            for setting in PLANNER_SETTINGS:
                conn.execute(f"SET {setting}")
            yield conn


def plan(connection: psycopg.Connection[Any], text: str, params: dict[str, Any]) -> str:
    """`text` in psycopg's placeholders."""
    row = connection.execute("EXPLAIN (FORMAT JSON) " + text, params).fetchone()
    assert row is not None
    return json.dumps(row[0])


def caller() -> dict[str, Any]:
    return {"caller_id": OWNERS[0], "caller_version": 0, "caller_session": uuid.uuid4()}


@pytest.mark.parametrize("analyzed", [False, True])
def test_reads_are_index_walks_without_a_sort(connection: psycopg.Connection[Any], analyzed: bool) -> None:
    if analyzed:
        connection.execute("ANALYZE")
    reads = [
        (pyformat(_AFTER), {**caller(), "after": 1500, "limit": 200}, "pk_events"),
        (
            pyformat(_PENDING.replace("{due_before}", "")),
            {**caller(), "limit": 100},
            "ix_reminders_owner_id_remind_at_task_id",
        ),
        (
            _CLAIM.postgresql,
            {"now": NOW + timedelta(minutes=5), "limit": 200},
            "ix_reminders_remind_at_pending",
        ),
    ]
    for text, params, index in reads:
        shown = plan(connection, text, params)
        assert '"Node Type": "Sort"' not in shown, shown
        assert index in shown, (index, shown)
