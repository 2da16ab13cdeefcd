"""What a task listing asks for: its filters and its order, and how a cursor names a position
in that order (the sort key's value and the id of the last task seen)."""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

from generated.types import TaskSort

# Sort field (contract) -> column. `title` sorts by the case-folded title.
SORT_COLUMNS = {
    "created_at": "created_at",
    "updated_at": "updated_at",
    "due_at": "due_at",
    "priority": "priority",
    "title": "title_key",
    "position": "rank",
}
DATETIME_FIELDS = {"created_at", "updated_at", "due_at"}
NULLABLE_FIELDS = {"due_at"}

SortValue = datetime | int | str | None


@dataclass(frozen=True)
class TaskOrder:
    field: str
    descending: bool

    @classmethod
    def parse(cls, sort: TaskSort) -> TaskOrder:
        return cls(field=sort.removeprefix("-"), descending=sort.startswith("-"))

    @property
    def sort(self) -> str:
        return ("-" if self.descending else "") + self.field

    @property
    def column(self) -> str:
        return SORT_COLUMNS[self.field]

    @property
    def nullable(self) -> bool:
        return self.field in NULLABLE_FIELDS

    def to_json(self, value: SortValue) -> str | int | None:
        return value.isoformat() if isinstance(value, datetime) else value

    def from_json(self, value: object) -> SortValue:
        """The sort value a cursor carries; ValueError if it is not one this order can have."""
        if value is None and self.nullable:
            return None
        if self.field in DATETIME_FIELDS and isinstance(value, str):
            moment = datetime.fromisoformat(value)
            if moment.tzinfo is None:
                raise ValueError("naive date-time")
            return moment.astimezone(UTC)
        if self.field == "priority" and type(value) is int:
            return value
        if self.field in {"title", "position"} and isinstance(value, str):
            return value
        raise ValueError(f"not a {self.field} value")


@dataclass(frozen=True)
class TaskFilters:
    completed: bool | None = None
    priorities: tuple[int, ...] = ()
    tag_keys: tuple[str, ...] = ()
    due_before: datetime | None = None
    due_after: datetime | None = None
    overdue: bool | None = None
    text: str | None = None  # case-folded `q`
    updated_since: datetime | None = None
    # A list id or "inbox"; a parent task id or "none" (top-level tasks).
    list_id: str | None = None
    parent_id: str | None = None

    def fingerprint(self, order: TaskOrder) -> str:
        """Names the query a cursor belongs to: a cursor is refused with other filters."""
        described = {
            name: value.isoformat() if isinstance(value, datetime) else value
            for name, value in asdict(self).items()
        }
        described["sort"] = order.sort
        text = json.dumps(described, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(text.encode()).hexdigest()[:22]


@dataclass(frozen=True)
class Position:
    """A place in the order: after the task with this sort value and id."""

    value: SortValue
    task_id: uuid.UUID
