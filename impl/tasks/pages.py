"""GET /api/v1/tasks: from query parameters to a page of tasks and tombstones."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from generated.types import Priority
from impl.auth.identity import Caller
from impl.db.database import Connection
from impl.http.cursors import CursorCodec
from impl.http.problems import NotFound, SyncExpired, ValidationFailed
from impl.tasks import page_queries as page_store
from impl.tasks.fields import PRIORITY_RANKS, tag_key
from impl.tasks.ordering import Position, TaskFilters, TaskOrder
from impl.tasks.responses import dumps, task_json


def filters_from(
    *,
    completed: bool | None,
    priority: Sequence[Priority] | None,
    tag: Sequence[str] | None,
    due_before: datetime | None,
    due_after: datetime | None,
    overdue: bool | None,
    q: str | None,
    updated_since: datetime | None,
    list_id: str | None = None,
    parent_id: str | None = None,
) -> TaskFilters:
    """Canonical filters: the same query always gets the same cursor fingerprint."""

    def utc(moment: datetime | None) -> datetime | None:
        if moment is None:
            return None
        try:
            return moment.astimezone(UTC)
        except OverflowError:
            # Before year 1 or after 9999 once in UTC: as a bound, the start or end of time.
            return (datetime.min if moment.year == 1 else datetime.max).replace(tzinfo=UTC)

    return TaskFilters(
        completed=completed,
        priorities=tuple(sorted({PRIORITY_RANKS[name] for name in priority or ()})),
        tag_keys=tuple(sorted({tag_key(name) for name in tag or ()})),
        due_before=utc(due_before),
        due_after=utc(due_after),
        overdue=overdue,
        text=q.casefold() if q is not None else None,
        updated_since=utc(updated_since),
        list_id=_canonical_id(list_id),
        parent_id=_canonical_id(parent_id),
    )


def _canonical_id(value: str | None) -> str | None:
    """`inbox`/`none` as they are, a UUID in its canonical spelling (the contract's pattern
    admits only these)."""
    if value is None or value in {"inbox", "none"}:
        return value
    return str(uuid.UUID(value))


# Where each sort column is in a row of TASK_COLUMNS (impl/tasks/responses.py).
SORT_VALUE_INDEX = {
    "priority": 5,
    "due_at": 6,
    "created_at": 11,
    "updated_at": 12,
    "title_key": 14,
    "rank": 18,
}


class TaskPager:
    def __init__(
        self,
        connection: Connection,
        caller: Caller,
        *,
        cursors: CursorCodec,
        retention: timedelta,
        now: datetime,
    ) -> None:
        self.connection = connection
        self.caller = caller
        self.cursors = cursors
        self.retention = retention
        self.now = now

    async def page(self, filters: TaskFilters, order: TaskOrder, *, limit: int, cursor: str | None) -> bytes:
        """The page as the JSON body of a `TaskPage`."""
        if filters.updated_since is not None and filters.updated_since < self.now - self.retention:
            raise SyncExpired(
                f"updated_since is older than the {self.retention.days}-day tombstone retention, so "
                "deletions may be missing: list every task again without updated_since."
            )
        query = filters.fingerprint(order)
        after = self._position(cursor, query, order) if cursor else None
        rows, missing = await page_store.list_page(
            self.connection,
            self.caller,
            filters=filters,
            order=order,
            after=after,
            limit=limit + 1,
            now=self.now,
        )
        if missing is not None:
            raise NotFound(
                f"No {'list' if missing == 'list_id' else 'task'} of yours has the {missing} given.",
                errors=[{"pointer": f"/query/{missing}", "detail": f"No such {missing} among yours."}],
            )
        page, more = rows[:limit], len(rows) > limit
        next_cursor = None
        if more:
            last = page[-1]
            value = order.to_json(last[SORT_VALUE_INDEX[order.column]])
            next_cursor = self.cursors.encode(query=query, value=value, item_id=last[0])
        return dumps({"items": [task_json(row) for row in page], "next_cursor": next_cursor})

    def _position(self, cursor: str, query: str, order: TaskOrder) -> Position:
        value, item_id = self.cursors.decode(cursor, query=query)
        try:
            return Position(order.from_json(value), item_id)
        except (ValueError, OverflowError):
            raise ValidationFailed(
                [{"pointer": "/query/cursor", "detail": "Invalid cursor: pass a next_cursor unchanged."}]
            ) from None
