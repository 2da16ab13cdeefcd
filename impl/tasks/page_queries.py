"""One page of the caller's tasks: filters, then a keyset seek in one sort order.

The order is (sort key, id), both ascending or both descending, so "after the last task
seen" is the row-value comparison `(key, id) > (value, id)` (or `<`), which both databases
answer with a range scan of the index on (owner_id, key, id): the thousandth page costs what
the first does. A nullable key (due_at) is split into two segments, dated tasks and undated
ones, each a query of its own that walks the same index (the undated one in its NULL part,
ordered by `due_at, id` like the index, so no planner has to sort), with the undated segment
last when ascending and first when descending on both databases. The segments go to the
database together (one round trip), each with the page's limit.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from impl.auth.identity import Caller
from impl.db.database import Connection, Row
from impl.db.engine import PLANNER_SETTINGS
from impl.db.sql import Dialect, Params, Step, cached
from impl.tasks.ordering import Position, TaskFilters, TaskOrder
from impl.tasks.repository import ensure_valid, task_query

# A planner without statistics (a new table, or one not analyzed since it grew) estimates that
# an owner has a handful of tasks, and sorts them instead of walking the index in order: fine
# for a handful, a full read of the owner's tasks for a large account. A page never needs a
# sort, so it is ruled out; the index walk is then the plan, whatever the statistics say
# (tests/test_query_plans.py checks it with EXPLAIN, before and after ANALYZE). The database
# sets it once per connection where it can (impl/db/engine.py), here otherwise.
INDEX_WALK = PLANNER_SETTINGS


@dataclass(frozen=True)
class _Segment:
    conditions: tuple[str, ...]


async def list_page(
    connection: Connection,
    caller: Caller,
    *,
    filters: TaskFilters,
    order: TaskOrder,
    after: Position | None,
    limit: int,
    now: datetime,
) -> tuple[list[Row], str | None]:
    """The page's rows; or no rows and the filter (`list_id`, `parent_id`) that names a list or
    task which is not one of the caller's."""
    steps = page_steps(
        connection.dialect, caller, filters=filters, order=order, after=after, limit=limit, now=now
    )
    checks = _owned_checks(filters, caller)
    results = await connection.run(*checks.values(), *steps, planner=INDEX_WALK)
    for name, result in zip(checks, results, strict=False):
        if not result.rows:
            await ensure_valid(connection, caller)
            return [], name
    rows: list[Row] = []
    for result in results[len(checks) :]:
        rows.extend(result.rows[: limit - len(rows)])
    if not rows:
        await ensure_valid(connection, caller)
    return rows, None


def page_steps(
    dialect: Dialect,
    caller: Caller,
    *,
    filters: TaskFilters,
    order: TaskOrder,
    after: Position | None,
    limit: int,
    now: datetime,
) -> list[Step]:
    """The statements of one page: one per segment, sent together."""
    params: Params = {**caller.params, "limit": limit}
    conditions = ["t.owner_id = :caller_id", "{caller_valid}", *_filter_conditions(filters, now, params)]
    direction = "DESC" if order.descending else "ASC"
    column = f"t.{order.column}"
    order_by = f" ORDER BY {column} {direction}, t.id {direction} LIMIT :limit"
    steps = []
    for segment in _segments(order, after, column, params):
        where = " AND ".join([*conditions, *segment.conditions])
        template = f"SELECT {{columns}} FROM tasks t WHERE {where}{order_by}"
        steps.append(Step(task_query(template, dialect, caller), params))
    return steps


_LIST_OWNED = "SELECT 1 FROM lists WHERE id = :list_id AND owner_id = :caller_id AND deleted_at IS NULL"
_TASK_OWNED = "SELECT 1 FROM tasks WHERE id = :parent_id AND owner_id = :caller_id AND deleted_at IS NULL"


def _owned_checks(filters: TaskFilters, caller: Caller) -> dict[str, Step]:
    """A list or parent named by a filter must be the caller's (else 404, as if missing)."""
    checks = {}
    if filters.list_id not in {None, "inbox"}:
        params = {"caller_id": caller.user_id, "list_id": _uuid(filters.list_id)}
        checks["list_id"] = Step(cached(_LIST_OWNED), params)
    if filters.parent_id not in {None, "none"}:
        params = {"caller_id": caller.user_id, "parent_id": _uuid(filters.parent_id)}
        checks["parent_id"] = Step(cached(_TASK_OWNED), params)
    return checks


def _uuid(value: str | None) -> uuid.UUID:
    assert value is not None
    return uuid.UUID(value)


def _place_conditions(filters: TaskFilters, params: Params) -> list[str]:
    content: list[str] = []
    if filters.list_id == "inbox":
        content.append("t.list_id IS NULL")
    elif filters.list_id is not None:
        content.append("t.list_id = :list_id")
        params["list_id"] = _uuid(filters.list_id)
    if filters.parent_id == "none":
        content.append("t.parent_id IS NULL")
    elif filters.parent_id is not None:
        content.append("t.parent_id = :parent_id")
        params["parent_id"] = _uuid(filters.parent_id)
    return content


def _filter_conditions(filters: TaskFilters, now: datetime, params: Params) -> list[str]:
    content = _place_conditions(filters, params)
    if filters.completed is not None:
        content.append("t.completed = :completed")
        params["completed"] = filters.completed
    if filters.priorities:
        names = []
        for index, rank in enumerate(filters.priorities):
            names.append(f":priority{index}")
            params[f"priority{index}"] = rank
        content.append(f"t.priority IN ({', '.join(names)})")
    for index, key in enumerate(filters.tag_keys):
        content.append(
            "EXISTS (SELECT 1 FROM task_tags g WHERE g.task_id = t.id"
            f" AND g.owner_id = :caller_id AND g.name_key = :tag{index})"
        )
        params[f"tag{index}"] = key
    if filters.due_before is not None:
        content.append("t.due_at < :due_before")
        params["due_before"] = filters.due_before
    if filters.due_after is not None:
        content.append("t.due_at >= :due_after")
        params["due_after"] = filters.due_after
    if filters.overdue is not None:
        params["now"] = now
        # Spelled out: NOT (due_at < now) would be NULL, not true, for an undated task.
        content.append(
            "(t.completed = false AND t.due_at < :now)"
            if filters.overdue
            else "(t.completed = true OR t.due_at IS NULL OR t.due_at >= :now)"
        )
    if filters.text is not None:
        # `%`, `_` and `\` in the search text match themselves.
        escaped = filters.text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        params["text"] = f"%{escaped}%"
        content.append("t.search_key LIKE :text ESCAPE '\\'")
    if filters.updated_since is None:
        return ["t.deleted_at IS NULL", *content]
    # Delta sync: changed tasks that match, and every task deleted since (as a tombstone).
    params["updated_since"] = filters.updated_since
    live = " AND ".join(["t.deleted_at IS NULL", *content])
    return ["t.updated_at >= :updated_since", f"(({live}) OR t.deleted_at IS NOT NULL)"]


def _segments(order: TaskOrder, after: Position | None, column: str, params: Params) -> list[_Segment]:
    beyond = "<" if order.descending else ">"
    if after is not None:
        params["after_value"] = after.value
        params["after_id"] = after.task_id
    if not order.nullable:
        seek = () if after is None else (f"({column}, t.id) {beyond} (:after_value, :after_id)",)
        return [_Segment(seek)]
    dated = (f"{column} IS NOT NULL",)
    undated = (f"{column} IS NULL",)
    if after is None:
        segments = [_Segment(undated), _Segment(dated)]
        return segments if order.descending else segments[::-1]
    if after.value is None:
        rest = _Segment((*undated, f"t.id {beyond} :after_id"))
        return [rest, _Segment(dated)] if order.descending else [rest]
    rest = _Segment((*dated, f"({column}, t.id) {beyond} (:after_value, :after_id)"))
    return [rest] if order.descending else [rest, _Segment(undated)]
