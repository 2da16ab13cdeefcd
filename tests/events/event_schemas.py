"""Every event the stream or the change log holds is checked against openapi.yaml: its data
against `EventData` (the union), and against the schema its event name promises."""

from __future__ import annotations

import json
from typing import Any

from tests.openapi_document import schema_validator

SCHEMA_OF_KIND = {
    "task.created": "Task",
    "task.updated": "Task",
    "task.completed": "Task",
    "task.deleted": "TaskTombstone",
    "list.created": "TaskList",
    "list.updated": "TaskList",
    "list.deleted": "TaskListTombstone",
    "reminder.due": "Reminder",
    "resync": "Resync",
}


def checked_event(kind: str, data: str) -> dict[str, Any]:
    """The event's data, once it is valid for `kind` (and as an EventData)."""
    assert kind in SCHEMA_OF_KIND, kind
    document: dict[str, Any] = json.loads(data)
    for name in ("EventData", SCHEMA_OF_KIND[kind]):
        errors = [
            error.message
            for error in schema_validator({"$ref": f"#/components/schemas/{name}"}).iter_errors(document)
        ]
        assert not errors, (kind, name, errors)
    return document
