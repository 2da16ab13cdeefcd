"""schemathesis hooks shared by the in-process tests and the live run (schemathesis.toml).

Some request rules are stated in the contract's descriptions because JSON Schema cannot say
them; the server rightly answers 4xx when they are broken. Positive cases (data that should
be accepted) are adjusted to follow them; negative cases are left alone, so that breaking
them is still tried:

- A page cursor is opaque, signed by the server and bound to the query that returned it: a
  string that merely matches the parameter's pattern is not one. Positive cases keep a cursor
  only if the server issued it for the same listing (tasks or tags, GET or HEAD), and then
  repeat the query it was issued for (the stateful phase follows the `next_cursor` links
  with real ones).
- `updated_since` must be within the tombstone retention period (older: 410, resync).
- An Idempotency-Key stands for one request: the same key with another body is a 422, and a
  replay answers for a task that may be gone since. Positive cases get a fresh key.
- An entity tag in If-Match (or a batch `if_match`) must be the task's current one, which only
  a response can tell: positive cases send `*` ("any current version"). The coverage phase
  also sends If-None-Match values that miss the header's pattern as positive: they are
  replaced by a well-formed tag.
- Examples are sent as they are (no hook runs on them), so the contract gives no example for
  `updated_since` (it would age past the retention) or for Idempotency-Key (one key for
  several example bodies).
- A task's fields: a reminder not after the due time, tags unique case-insensitively, and a
  recurrence rule that the server can evaluate from a due time (an RRULE grammar that JSON
  Schema cannot express, with rules such as "at most hourly"). Positive cases get a valid
  daily rule with a due time, and date-times within years 2000-2100.
- Where a task goes: a subtask is in its parent's list and at most 4 levels deep, a task
  cannot go under itself or its subtasks, and `after_id`/`before_id` must be siblings (422
  otherwise). Positive cases keep a parent only when creating a task under one the server
  made at most three levels deep (and then no list), send no parent when changing a task,
  and move tasks last (no anchor); list and parent ids the server never issued are dropped
  (they would be 404s, which say nothing new). List names get a unique suffix (a repeated
  name is a 409).
"""

from __future__ import annotations

import copy
import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import schemathesis
from schemathesis import GenerationMode

RECENT = timedelta(days=1)
# The contract's entity-tag list pattern: the coverage phase's header values can miss it.
ENTITY_TAGS = re.compile(r'^(\*|(W/)?"[\x21\x23-\x7E]*"([ \t]*,[ \t]*(W/)?"[\x21\x23-\x7E]*")*)$')
TASK_BODIES = {"createTask", "replaceTask", "updateTask"}
IDEMPOTENT = {"createTask", "completeTask", "createList"}
# The operations that page, and the listing their cursors belong to.
LISTINGS = {
    "listTasks": "tasks",
    "headTasks": "tasks",
    "listTags": "tags",
    "headTags": "tags",
    "listLists": "lists",
    "headLists": "lists",
}
# Task ids the server issued -> their depth (1: top-level); list ids it issued.
TASK_DEPTHS: dict[str, int] = {}
LIST_IDS: set[str] = set()
# next_cursor -> its listing, and the query (without cursor and limit) that returned it.
ISSUED_CURSORS: dict[str, tuple[str, dict[str, Any]]] = {}


def operation_id(context: schemathesis.HookContext) -> str:
    operation = context.operation
    return str(operation.definition.raw.get("operationId", "")) if operation is not None else ""


def is_positive(case: schemathesis.Case[Any]) -> bool:
    return case.meta is not None and case.meta.generation.mode == GenerationMode.POSITIVE


def reasonable_moment(value: object) -> object:
    if not isinstance(value, str):
        return value
    try:
        moment = datetime.fromisoformat(value).astimezone(UTC)
    except (ValueError, OverflowError):
        return value  # not a date-time at all: the server's answer is the contract's business
    if 2000 <= moment.year <= 2100:
        return value
    return "2030-01-01T09:00:00Z"


def valid_task_fields(fields: dict[str, Any], *, partial: bool) -> None:
    for name in ("due_at", "remind_at"):
        if name in fields:
            fields[name] = reasonable_moment(fields[name])
    if isinstance(fields.get("tags"), list):
        seen: set[str] = set()
        unique = []
        for tag in fields["tags"]:
            key = tag.strip().casefold() if isinstance(tag, str) else tag
            if key not in seen:
                seen.add(key)
                unique.append(tag)
        fields["tags"] = unique
    if fields.get("recurrence") is not None:
        fields["recurrence"] = "FREQ=DAILY"
        if fields.get("due_at") is None:
            fields["due_at"] = "2030-01-01T09:00:00Z"
    due_at, remind_at = fields.get("due_at"), fields.get("remind_at")
    if partial:
        # The stored task fills in what a partial update leaves out.
        if "due_at" in fields and due_at is None:
            fields["recurrence"] = None
        if isinstance(due_at, str) and "remind_at" not in fields:
            fields["remind_at"] = None
        if isinstance(remind_at, str) and "due_at" not in fields:
            fields["due_at"] = remind_at
    if isinstance(remind_at, str) and isinstance(due_at, str) and _later(remind_at, due_at):
        fields["due_at"] = remind_at


def _later(first: str, second: str) -> bool:
    try:
        return datetime.fromisoformat(first) > datetime.fromisoformat(second)
    except (ValueError, TypeError):
        return False


def valid_listing(case: schemathesis.Case[Any], listing: str) -> None:
    if not isinstance(case.query, dict):
        return
    case.query = dict(case.query)
    since = case.query.get("updated_since")
    if isinstance(since, str):
        try:
            too_old = datetime.fromisoformat(since) < datetime.now(UTC) - timedelta(days=29)
        except (ValueError, TypeError, OverflowError):
            too_old = False
        if too_old:
            case.query["updated_since"] = (datetime.now(UTC) - RECENT).isoformat()
    cursor = case.query.get("cursor")
    if cursor is None:
        return
    if cursor not in ISSUED_CURSORS or ISSUED_CURSORS[cursor][0] != listing:
        case.query.pop("cursor")
        return
    limit = case.query.get("limit")
    query = {**ISSUED_CURSORS[cursor][1], "cursor": cursor}
    if limit is not None:
        query["limit"] = limit
    case.query = query


def valid_headers(case: schemathesis.Case[Any], name: str) -> None:
    # Assigned, not changed in place: schemathesis tracks its containers by assignment.
    headers = case.headers.copy()
    if name in IDEMPOTENT and "Idempotency-Key" in headers:
        headers["Idempotency-Key"] = str(uuid.uuid4())
    if "If-Match" in headers:
        headers["If-Match"] = "*"
    if "If-None-Match" in headers and not ENTITY_TAGS.match(str(headers["If-None-Match"])):
        headers["If-None-Match"] = '"1"'
    case.headers = headers


def valid_place(fields: dict[str, Any], *, creating: bool) -> None:
    parent = fields.get("parent_id")
    if parent is not None and (not creating or TASK_DEPTHS.get(str(parent), 99) > 3):
        fields["parent_id"] = None
    if fields.get("list_id") is not None and str(fields["list_id"]) not in LIST_IDS:
        fields["list_id"] = None
    if fields.get("parent_id") is not None:
        fields.pop("list_id", None)


def valid_move(body: dict[str, Any], name: str) -> None:
    if name == "moveTask":
        valid_place(body, creating=False)
        body.pop("after_id", None)
        body.pop("before_id", None)
    elif body.get("after_id") is not None and body.get("before_id") is not None:
        body.pop("before_id")


def unique_name(body: dict[str, Any]) -> None:
    if isinstance(body.get("name"), str):
        body["name"] = f"{body['name'][:80]} {uuid.uuid4().hex[:12]}"


def valid_batch(body: dict[str, Any]) -> None:
    operations = body.get("operations")
    for operation in operations if isinstance(operations, list) else []:
        if not isinstance(operation, dict):
            continue
        if "if_match" in operation:
            operation["if_match"] = "*"
        for key, partial in (("task", False), ("changes", True)):
            fields = operation.get(key)
            if isinstance(fields, dict):
                valid_task_fields(fields, partial=partial)
                valid_place(fields, creating=not partial)


@schemathesis.hook
def map_case(context: schemathesis.HookContext, case: schemathesis.Case[Any]) -> schemathesis.Case[Any]:
    if not is_positive(case):
        return case
    name = operation_id(context)
    if name in LISTINGS:
        valid_listing(case, LISTINGS[name])
    if case.headers:
        valid_headers(case, name)
    if isinstance(case.body, dict) and (name in TASK_BODIES or name == "batchTasks"):
        body = copy.deepcopy(case.body)
        if name == "batchTasks":
            valid_batch(body)
        else:
            valid_task_fields(body, partial=name == "updateTask")
            valid_place(body, creating=name == "createTask")
        case.body = body
    elif isinstance(case.body, dict) and name in {"moveTask", "moveList", "createList", "updateList"}:
        body = copy.deepcopy(case.body)
        valid_move(body, name)
        if name in {"createList", "updateList"}:
            unique_name(body)
        case.body = body
    return case


def remember_ids(name: str, response: Any) -> None:
    """The ids of the tasks and lists the server made, and how deep each task is."""
    if response.status_code not in {200, 201} or name not in {"createTask", "createList", "batchTasks"}:
        return
    try:
        document = response.json()
    except ValueError:
        return
    if name == "createList" and isinstance(document, dict):
        LIST_IDS.add(str(document.get("id")))
        return
    tasks = [document] if name == "createTask" else [r.get("task") for r in document.get("results", [])]
    for task in tasks:
        if isinstance(task, dict) and "id" in task:
            parent = task.get("parent_id")
            TASK_DEPTHS[str(task["id"])] = 1 if parent is None else TASK_DEPTHS.get(str(parent), 3) + 1


@schemathesis.hook
def after_call(context: schemathesis.HookContext, case: schemathesis.Case[Any], response: Any) -> None:
    name = operation_id(context)
    remember_ids(name, response)
    if name not in {"listTasks", "listTags", "listLists"} or response.status_code != 200:
        return
    try:
        cursor = response.json().get("next_cursor")
    except ValueError:
        return
    if isinstance(cursor, str) and isinstance(case.query, dict):
        ISSUED_CURSORS[cursor] = (
            LISTINGS[name],
            {key: value for key, value in case.query.items() if key not in {"cursor", "limit"}},
        )
