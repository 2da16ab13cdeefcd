"""Every page of every sort is an index walk on (owner_id, sort key, id), whatever the
statistics say: on a table the planner knows nothing about yet (no ANALYZE, autovacuum off)
and after ANALYZE, on both databases. The statements are the ones the service sends
(impl/tasks/page_queries.py), first page and a page after a cursor, for a user whose tasks
are mostly undated among other users' tasks.

What must never appear: a sort of the matching rows (PostgreSQL "Sort", SQLite "TEMP B-TREE
FOR ORDER BY"), a sequential scan, or a walk of another index (the primary key, the
tombstone index) filtered afterwards."""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any, get_args

import psycopg
import pytest
from psycopg import sql

from generated.types import TaskSort
from impl.auth.identity import Caller
from impl.db.ranks import clock_rank
from impl.db.sql import Dialect, Query, Step
from impl.db.sqlite import _bind
from impl.lists import repository as list_store
from impl.migrate import upgrade
from impl.tasks.ordering import Position, TaskFilters, TaskOrder
from impl.tasks.page_queries import INDEX_WALK, page_steps
from tests.databases import BACKENDS, temporary_database

SORTS: tuple[TaskSort, ...] = get_args(TaskSort)
OWNER = uuid.UUID("00000000-0000-4000-8000-000000000001")
NOW = datetime(2026, 6, 1, tzinfo=UTC)
INDEX_OF = {
    "created_at": "ix_tasks_owner_id_created_at_id",
    "updated_at": "ix_tasks_owner_id_updated_at_id",
    "due_at": "ix_tasks_owner_id_due_at_id",
    "priority": "ix_tasks_owner_id_priority_id",
    "title": "ix_tasks_owner_id_title_key_id",
    "position": "ix_tasks_owner_id_rank_id",
}
# A list's tasks (or the inbox's), and a task's subtasks, walk an index of their own.
LIST_ID = uuid.UUID("00000000-0000-4000-8000-0000000000aa")
PARENT_ID = uuid.UUID("00000000-0000-4000-8000-0000000000bb")
PLACE_INDEX_OF = {
    ("list", "position"): "ix_tasks_owner_id_list_id_rank_id",
    ("list", "created_at"): "ix_tasks_owner_id_list_id_created_at_id",
    ("inbox", "position"): "ix_tasks_inbox_owner_id_rank_id",
    ("inbox", "created_at"): "ix_tasks_inbox_owner_id_created_at_id",
    ("parent", "position"): "ix_tasks_owner_id_parent_id_rank_id",
}
PLACE_FILTERS = {
    "list": TaskFilters(list_id=str(LIST_ID)),
    "inbox": TaskFilters(list_id="inbox"),
    "parent": TaskFilters(parent_id=str(PARENT_ID)),
}


def seed(dialect: Dialect, execute: Any) -> None:
    """3,000 tasks of the owner (70 % undated) among 12,000 of three other users."""
    owners = [OWNER, *(uuid.uuid4() for _ in range(3))]
    for owner in owners:
        execute(
            "INSERT INTO users (id, email, email_key, token_version, created_at, updated_at)"
            " VALUES (:id, :email, :email, 0, :now, :now)",
            [{"id": owner, "email": f"{owner}@example.com", "now": NOW}],
        )
    rows = []
    for owner_index, owner in enumerate(owners):
        for index in range(3000 if owner == OWNER else 4000):
            moment = NOW - timedelta(minutes=index * 7 + owner_index)
            title = f"task {index:05d} of {owner_index}"
            task_id = PARENT_ID if (owner == OWNER and index == 1) else uuid.uuid4()
            rows.append(
                {
                    "id": task_id,
                    "owner_id": owner,
                    "list_id": LIST_ID if index % 3 == 0 else None,
                    "parent_id": PARENT_ID if (owner == OWNER and index % 100 == 5) else None,
                    "rank": clock_rank(moment, task_id),
                    "title": title,
                    "title_key": title,
                    "search_key": title,
                    "priority": index % 4,
                    "due_at": None if index % 10 < 7 else moment + timedelta(days=3),
                    "deleted_at": moment if index % 50 == 0 else None,
                    "created_at": moment,
                }
            )
    lists = [
        {
            "id": uuid.uuid4(),
            "owner_id": owner,
            "name": f"list {index} of {owner_index}",
            "name_key": f"list {index} of {owner_index}",
            "rank": clock_rank(NOW - timedelta(minutes=index), uuid.uuid4()),
            "now": NOW,
            "deleted_at": NOW if index % 20 == 0 else None,
        }
        for owner_index, owner in enumerate(owners)
        for index in range(500)
    ]
    execute(
        "INSERT INTO lists (id, owner_id, name, name_key, rank, version, created_at, updated_at, deleted_at)"
        " VALUES (:id, :owner_id, :name, :name_key, :rank, 1, :now, :now, :deleted_at)",
        lists,
    )
    execute(
        "INSERT INTO tasks (id, owner_id, title, completed, priority, due_at, title_key, search_key,"
        " version, created_at, updated_at, deleted_at, list_id, parent_id, rank) VALUES (:id, :owner_id,"
        " :title, false, :priority, :due_at, :title_key, :search_key, 1, :created_at, :created_at,"
        " :deleted_at, :list_id, :parent_id, :rank)",
        rows,
    )


def statements(dialect: Dialect, sort: TaskSort, after: Position | None, filters: TaskFilters) -> list[Step]:
    caller = Caller(user_id=OWNER)  # the external form: no session row needed for EXPLAIN
    order = TaskOrder.parse(sort)
    return page_steps(dialect, caller, filters=filters, order=order, after=after, limit=51, now=NOW)


def positions(sort: TaskSort) -> list[Position | None]:
    """The first page, and pages after a cursor (for due_at: in the dated and the undated part)."""
    order = TaskOrder.parse(sort)
    values: dict[str, Any] = {
        "created_at": NOW - timedelta(days=3),
        "updated_at": NOW - timedelta(days=3),
        "due_at": NOW,
        "priority": 2,
        "title": "task 01000 of 0",
        "position": "8F0000000V",
    }
    found = [None, Position(values[order.field], uuid.UUID(int=2**127))]
    if order.nullable:
        found.append(Position(None, uuid.UUID(int=2**127)))
    return found


Explain = Callable[[str, dict[str, Any]], list[str]]


@contextmanager
def sqlite_explainer(url: str) -> Iterator[Explain]:
    with sqlite3.connect(url.removeprefix("sqlite:///")) as connection:
        seed("sqlite", lambda sql, rows: connection.executemany(sql, [_bind(row) for row in rows]))

        def explain(sql: str, params: dict[str, Any]) -> list[str]:
            if sql == "ANALYZE":
                connection.execute("ANALYZE")
                return []
            plan = connection.execute("EXPLAIN QUERY PLAN " + sql, _bind(params)).fetchall()
            return [str(row[-1]) for row in plan]

        yield explain


@contextmanager
def postgres_explainer(url: str) -> Iterator[Explain]:
    with psycopg.connect(url, autocommit=True) as connection:
        for table in ("tasks", "task_tags", "users", "login_sessions", "lists"):
            connection.execute(
                sql.SQL("ALTER TABLE {} SET (autovacuum_enabled = false)").format(sql.Identifier(table))
            )

        def insert(text: str, rows: list[dict[str, Any]]) -> None:
            with connection.cursor() as cursor:
                cursor.executemany(Query.of(text).postgresql.encode(), rows)

        seed("postgresql", insert)

        def explain(text: str, params: dict[str, Any]) -> list[str]:
            if text == "ANALYZE":
                connection.execute("ANALYZE")
                return []
            with connection.transaction():
                for setting in INDEX_WALK:
                    connection.execute(f"SET LOCAL {setting}".encode())
                plan = connection.execute(("EXPLAIN (FORMAT JSON) " + text).encode(), params).fetchone()
            assert plan is not None
            return list(plan_nodes(plan[0][0]["Plan"]))

        yield explain


@pytest.fixture(params=BACKENDS)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Dialect, Explain]]:
    """(dialect, explain(sql, params) -> plan lines) on a seeded database without statistics."""
    dialect: Dialect = "sqlite" if request.param == "sqlite" else "postgresql"
    with temporary_database(request.param, tmp_path) as url:
        upgrade(url)
        explainer = sqlite_explainer(url) if dialect == "sqlite" else postgres_explainer(url)
        with explainer as explain:
            yield dialect, explain


def plan_nodes(node: dict[str, Any]) -> Iterator[str]:
    yield json.dumps({key: node.get(key) for key in ("Node Type", "Relation Name", "Index Name", "Alias")})
    for child in node.get("Plans", []):
        yield from plan_nodes(child)


def assert_index_walk(
    dialect: Dialect, plan: list[str], sort: TaskSort, index: str | None = None, also: str | None = None
) -> None:
    """The page walks `index` (or `also`, when the planner may prefer it) in order, unsorted."""
    index = index or INDEX_OF[TaskOrder.parse(sort).field]
    text = "\n".join(plan)
    if also is not None and also in text and index not in text:
        index = also
    if dialect == "sqlite":
        walks = [line for line in plan if line.startswith(("SCAN t", "SEARCH t "))]
        assert len(walks) == 1, text
        assert walks[0].startswith(f"SEARCH t USING INDEX {index} "), text
        assert "TEMP B-TREE" not in text, text
        return
    nodes = [json.loads(line) for line in plan]
    on_tasks = [node for node in nodes if node["Relation Name"] == "tasks" and node["Alias"] == "t"]
    assert [node["Index Name"] for node in on_tasks] == [index], text
    assert on_tasks[0]["Node Type"] in {"Index Scan", "Index Only Scan"}, text
    assert not any(node["Node Type"] in {"Sort", "Incremental Sort"} for node in nodes), text


@pytest.mark.parametrize("analyzed", [False, True], ids=["no statistics", "after ANALYZE"])
def test_every_page_of_every_sort_walks_its_index(database: tuple[Dialect, Any], analyzed: bool) -> None:
    dialect, explain = database
    if analyzed:
        explain("ANALYZE", {})
    for filters in (TaskFilters(), TaskFilters(completed=False)):
        for sort in SORTS:
            for after in positions(sort):
                for step in statements(dialect, sort, after, filters):
                    plan = explain(step.query.text(dialect), step.params or {})
                    assert_index_walk(dialect, plan, sort)


@pytest.mark.parametrize("analyzed", [False, True], ids=["no statistics", "after ANALYZE"])
def test_every_page_of_lists_walks_its_index(database: tuple[Dialect, Any], analyzed: bool) -> None:
    dialect, explain = database
    if analyzed:
        explain("ANALYZE", {})
    caller = Caller(user_id=OWNER)
    for after in (None, ("8F0000000V", uuid.UUID(int=2**127))):
        for since in (None, NOW - timedelta(days=1)):
            step = list_store.page_step(
                SimpleNamespace(dialect=dialect),  # type: ignore[arg-type]  # only its dialect is read
                caller,
                after=after,
                updated_since=since,
                limit=51,
            )
            plan = explain(step.query.text(dialect), step.params or {})
            text = "\n".join(plan)
            if dialect == "sqlite":
                walks = [line for line in plan if line.startswith(("SCAN l", "SEARCH l "))]
                assert len(walks) == 1, text
                assert walks[0].startswith("SEARCH l USING INDEX ix_lists_owner_id_rank_id"), text
                assert "TEMP B-TREE" not in text, text
            else:
                nodes = [json.loads(line) for line in plan]
                on_lists = [node for node in nodes if node["Relation Name"] == "lists"]
                assert [node["Index Name"] for node in on_lists] == ["ix_lists_owner_id_rank_id"], text
                assert not any(node["Node Type"] in {"Sort", "Incremental Sort"} for node in nodes), text


@pytest.mark.parametrize("analyzed", [False, True], ids=["no statistics", "after ANALYZE"])
def test_a_lists_tasks_and_a_tasks_subtasks_walk_their_index(
    database: tuple[Dialect, Any], analyzed: bool
) -> None:
    dialect, explain = database
    if analyzed:
        explain("ANALYZE", {})
    for (place, field), index in PLACE_INDEX_OF.items():
        if dialect == "sqlite" and place == "inbox":
            # SQLite walks (owner_id, list_id, key) for list_id IS NULL as for a list id.
            index = PLACE_INDEX_OF[("list", field)]  # noqa: PLW2901
        for sort in (field, f"-{field}"):
            for after in positions(sort):  # type: ignore[arg-type]
                for step in statements(dialect, sort, after, PLACE_FILTERS[place]):  # type: ignore[arg-type]
                    plan = explain(step.query.text(dialect), step.params or {})
                    # When a list holds a large share of the owner's tasks, PostgreSQL may walk the
                    # sort's own index and skip the other lists' tasks: also in order, and a
                    # deep page still reads only about a page's worth of rows per list share.
                    also = INDEX_OF[field] if place != "parent" else None
                    assert_index_walk(dialect, plan, sort, index, also)  # type: ignore[arg-type]
