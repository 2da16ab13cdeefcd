"""One page of an owner's tasks: filters, then a keyset seek in one sort order.

The order is (sort key, id), both ascending or both descending, so "after the last task
seen" is the row-value comparison `(key, id) > (value, id)` (or `<`), which both databases
answer with a range scan of the index on (owner_id, key, id): the thousandth page costs what
the first does. A nullable key (due_at) is split explicitly into two segments, dated tasks
and undated ones, each seeked on its own, with the undated segment last when ascending and
first when descending, on SQLite and PostgreSQL alike (their native NULL orders differ).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, bindparam, exists, or_, select, tuple_
from sqlmodel import Session, col

from impl.db.tables import TaskRow, TaskTagRow
from impl.tasks.ordering import Position, TaskFilters, TaskOrder


@dataclass(frozen=True)
class _Segment:
    conditions: tuple[ColumnElement[bool], ...]
    keys: tuple[Any, ...]  # the ORDER BY columns, all in the order's direction


def list_page(
    session: Session,
    *,
    owner_id: uuid.UUID,
    filters: TaskFilters,
    order: TaskOrder,
    after: Position | None,
    limit: int,
    now: datetime,
) -> list[TaskRow]:
    conditions = [col(TaskRow.owner_id) == owner_id, *_filter_conditions(owner_id, filters, now)]
    rows: list[TaskRow] = []
    for segment in _segments(order, after):
        keys = [key.desc() if order.descending else key.asc() for key in segment.keys]
        query = (
            select(TaskRow).where(*conditions, *segment.conditions).order_by(*keys).limit(limit - len(rows))
        )
        rows.extend(session.scalars(query))
        if len(rows) >= limit:
            break
    return rows


def _filter_conditions(owner_id: uuid.UUID, filters: TaskFilters, now: datetime) -> list[ColumnElement[bool]]:
    content: list[ColumnElement[bool]] = []
    if filters.completed is not None:
        content.append(col(TaskRow.completed).is_(filters.completed))
    if filters.priorities:
        content.append(col(TaskRow.priority).in_(filters.priorities))
    for key in filters.tag_keys:
        content.append(
            exists().where(
                col(TaskTagRow.task_id) == col(TaskRow.id),
                col(TaskTagRow.owner_id) == owner_id,
                col(TaskTagRow.name_key) == key,
            )
        )
    if filters.due_before is not None:
        content.append(col(TaskRow.due_at) < filters.due_before)
    if filters.due_after is not None:
        content.append(col(TaskRow.due_at) >= filters.due_after)
    if filters.overdue is True:
        content.append(and_(col(TaskRow.completed).is_(False), col(TaskRow.due_at) < now))
    elif filters.overdue is False:
        # Spelled out: NOT (due_at < now) would be NULL, not true, for an undated task.
        due = col(TaskRow.due_at)
        content.append(or_(col(TaskRow.completed).is_(True), due.is_(None), due >= now))
    if filters.text is not None:
        # autoescape: `%` and `_` in the search text match themselves.
        content.append(col(TaskRow.search_key).contains(filters.text, autoescape=True))
    live = col(TaskRow.deleted_at).is_(None)
    if filters.updated_since is None:
        return [live, *content]
    # Delta sync: changed tasks that match, and every task deleted since (as a tombstone).
    changed = col(TaskRow.updated_at) >= filters.updated_since
    return [changed, or_(and_(live, *content), col(TaskRow.deleted_at).is_not(None))]


def _segments(order: TaskOrder, after: Position | None) -> list[_Segment]:
    columns = TaskRow.__table__.c  # type: ignore[attr-defined]
    key, task_id = columns[order.column], columns["id"]
    if not order.nullable:
        seek = () if after is None else (_beyond((key, task_id), (after.value, after.task_id), order),)
        return [_Segment(seek, (key, task_id))]
    dated = _Segment((key.is_not(None),), (key, task_id))
    undated = _Segment((key.is_(None),), (task_id,))
    if after is None:
        return [undated, dated] if order.descending else [dated, undated]
    if after.value is None:
        undated_rest = _Segment(
            (*undated.conditions, _beyond((task_id,), (after.task_id,), order)), undated.keys
        )
        return [undated_rest, dated] if order.descending else [undated_rest]
    dated_rest = _Segment(
        (*dated.conditions, _beyond((key, task_id), (after.value, after.task_id), order)), dated.keys
    )
    return [dated_rest] if order.descending else [dated_rest, undated]


def _beyond(columns: tuple[Any, ...], values: tuple[Any, ...], order: TaskOrder) -> ColumnElement[bool]:
    """Rows strictly after `values` in the order: a row-value comparison, typed like the columns."""
    bound = [bindparam(None, value, type_=column.type) for column, value in zip(columns, values, strict=True)]
    left, right = tuple_(*columns), tuple_(*bound)
    return left < right if order.descending else left > right
