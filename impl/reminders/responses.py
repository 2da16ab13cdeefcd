"""A reminder on the wire (the contract's `Reminder`), built in one place for the list and
the `reminder.due` event."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import orjson
from fastapi import Response


def reminder_json(
    *, task_id: uuid.UUID, title: str, remind_at: datetime, due_at: datetime | None, late: bool
) -> dict[str, Any]:
    return {
        "object": "reminder",
        "task_id": task_id,
        "title": title,
        "remind_at": remind_at,
        "due_at": due_at,
        "late": late,
    }


def dumps(document: Any) -> bytes:
    # As the tasks' bodies: UTC date-times end in "Z".
    body: bytes = orjson.dumps(document, option=orjson.OPT_UTC_Z)
    return body


def json_response(document: Any) -> Response:
    return Response(dumps(document), media_type="application/json")
