"""The task field lists in impl/tasks/ against the contract: adding a field to the Task schema
(or a priority, or a sort) fails here until every list that must know it does."""

from __future__ import annotations

import uuid
from dataclasses import fields
from datetime import UTC, datetime
from typing import get_args

from generated.contract import CONTRACT
from generated.types import Priority, TaskSort
from impl.tasks.fields import PRIORITY_ORDER, WRITABLE
from impl.tasks.ordering import SORT_COLUMNS
from impl.tasks.responses import TASK_COLUMNS, StoredTask, task_json

SCHEMAS = CONTRACT["components"]["schemas"]
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def row(*, deleted: bool) -> tuple[object, ...]:
    values: dict[str, object] = {
        "id": uuid.uuid4(),
        "title": "t",
        "description": None,
        "completed": False,
        "completed_at": None,
        "priority": 0,
        "due_at": None,
        "remind_at": None,
        "recurrence": None,
        "next_occurrence_id": None,
        "version": 1,
        "created_at": NOW,
        "updated_at": NOW,
        "deleted_at": NOW if deleted else None,
        "title_key": "t",
        "tags": [],
        "list_id": None,
        "parent_id": None,
        "rank": "8fGqK2m1aV",
        "subtask_count": 0,
        "completed_subtask_count": 0,
    }
    return tuple(values[field.name] for field in fields(StoredTask))


def test_the_wire_shapes_have_exactly_the_contracts_properties() -> None:
    assert set(task_json(row(deleted=False))) == set(SCHEMAS["Task"]["properties"])
    assert set(task_json(row(deleted=True))) == set(SCHEMAS["TaskTombstone"]["properties"])


def test_every_writable_field_is_in_each_write_schema() -> None:
    for schema in ("TaskCreate", "TaskReplace", "TaskUpdate"):
        # Where the task is (list and parent) is checked against the tree: impl/tasks/tree.py.
        assert set(SCHEMAS[schema]["properties"]) == {*WRITABLE, "completed", "list_id", "parent_id"}, schema


def test_the_selected_columns_are_the_stored_tasks_fields() -> None:
    for columns in TASK_COLUMNS.values():
        assert columns.count(", ") + 1 == len(fields(StoredTask))


def test_priorities_and_sorts_are_the_contracts() -> None:
    assert list(PRIORITY_ORDER) == SCHEMAS["Priority"]["enum"] == list(get_args(Priority))
    assert sorted(get_args(TaskSort)) == sorted(SCHEMAS["TaskSort"]["enum"])
    assert {sort.removeprefix("-") for sort in get_args(TaskSort)} == set(SORT_COLUMNS)
