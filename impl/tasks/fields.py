"""A task's writable fields: normalized, checked across fields, written to a row.

Checks that one field cannot make alone (a reminder after the due date, a duplicate tag, a
recurrence rule that needs a due date) raise ValidationFailed with a JSON pointer under the
caller's prefix: `/body` for a single task, `/body/operations/3/task` in a batch.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Protocol, get_args

from generated.types import Priority
from impl.http.problems import ValidationFailed
from impl.tasks import recurrence

# The contract's Priority values, in the order they sort (stored as these small integers).
PRIORITY_ORDER: tuple[Priority, ...] = get_args(Priority)
PRIORITY_RANKS: dict[Priority, int] = {name: rank for rank, name in enumerate(PRIORITY_ORDER)}
PRIORITY_NAMES: dict[int, Priority] = dict(enumerate(PRIORITY_ORDER))
WRITABLE = ("title", "description", "priority", "tags", "due_at", "remind_at", "recurrence")
# Keeps the title and the description apart in search_key; `q` cannot contain it.
SEARCH_SEPARATOR = "\x1f"


class StoredFields(Protocol):
    """The writable fields of a stored task (impl/tasks/responses.py's StoredTask)."""

    @property
    def title(self) -> str: ...
    @property
    def description(self) -> str | None: ...
    @property
    def priority(self) -> int: ...
    @property
    def tags(self) -> list[str]: ...
    @property
    def due_at(self) -> datetime | None: ...
    @property
    def remind_at(self) -> datetime | None: ...
    @property
    def recurrence(self) -> str | None: ...


@dataclass(frozen=True)
class TaskFields:
    title: str
    description: str | None = None
    priority: Priority = "none"
    tags: tuple[str, ...] = ()
    due_at: datetime | None = None
    remind_at: datetime | None = None
    recurrence: str | None = None
    # Fields the request named: only they are re-checked when a task is updated.
    given: frozenset[str] = field(default=frozenset(WRITABLE), compare=False)


def title_key(title: str) -> str:
    return title.casefold()


def tag_key(name: str) -> str:
    return name.strip().casefold()


def search_key(title: str, description: str | None) -> str:
    return title.casefold() + SEARCH_SEPARATOR + (description or "").casefold()


def from_body(values: Mapping[str, object], given: set[str], base: TaskFields | None = None) -> TaskFields:
    """The fields after applying `values` (a validated request model's fields) to `base`."""
    changes = {name: values[name] for name in WRITABLE if name in given}
    if "tags" in changes:
        changes["tags"] = tuple(changes["tags"] or ())  # type: ignore[arg-type]
    if base is None:
        return TaskFields(**changes, given=frozenset(given))  # type: ignore[arg-type]
    return replace(base, **changes, given=frozenset(given))  # type: ignore[arg-type]


def from_stored(task: StoredFields) -> TaskFields:
    return TaskFields(
        title=task.title,
        description=task.description,
        priority=PRIORITY_NAMES[task.priority],
        tags=tuple(task.tags),
        due_at=task.due_at,
        remind_at=task.remind_at,
        recurrence=task.recurrence,
        given=frozenset(),
    )


def checked(fields: TaskFields, *, pointer: str) -> TaskFields:
    """The fields normalized (trimmed, UTC, canonical rule), or ValidationFailed."""
    errors: list[dict[str, str]] = []

    def fail(name: str, detail: str) -> None:
        errors.append({"pointer": f"{pointer}/{name}", "detail": detail})

    tags: list[str] = []
    seen: dict[str, int] = {}
    for index, name in enumerate(fields.tags):
        key = tag_key(name)
        if key in seen:
            fail(f"tags/{index}", f"Duplicate of tags/{seen[key]}: tags are compared case-insensitively.")
        seen.setdefault(key, index)
        tags.append(name.strip())
    moments: dict[str, datetime | None] = {}
    for name in ("due_at", "remind_at"):
        moment: datetime | None = getattr(fields, name)
        try:
            moments[name] = moment.astimezone(UTC) if moment is not None else None
        except OverflowError:
            fail(name, "The date-time is out of range once converted to UTC.")
            moments[name] = None
    due_at, remind_at = moments["due_at"], moments["remind_at"]
    if due_at is not None and remind_at is not None and remind_at > due_at:
        blamed = "remind_at" if "remind_at" in fields.given or "due_at" not in fields.given else "due_at"
        fail(blamed, "remind_at must not be after due_at.")
    rule = fields.recurrence
    if rule is not None and {"recurrence", "due_at"} & fields.given:
        blamed = "recurrence" if "recurrence" in fields.given else "due_at"
        if due_at is None:
            fail(blamed, "A recurring task needs a due_at: the rule counts from it.")
        else:
            try:
                rule = recurrence.validate(rule, anchor=due_at)
            except recurrence.InvalidRecurrence as error:
                fail(blamed, f"recurrence: {error}")
    if errors:
        raise ValidationFailed(errors)
    return replace(
        fields,
        title=fields.title.strip(),
        tags=tuple(tags),
        due_at=due_at,
        remind_at=remind_at,
        recurrence=rule,
    )


def column_values(fields: TaskFields) -> dict[str, object]:
    """The task's columns for these fields, derived keys included."""
    return {
        "title": fields.title,
        "description": fields.description,
        "priority": PRIORITY_RANKS[fields.priority],
        "due_at": fields.due_at,
        "remind_at": fields.remind_at,
        "recurrence": fields.recurrence,
        "title_key": title_key(fields.title),
        "search_key": search_key(fields.title, fields.description),
    }
