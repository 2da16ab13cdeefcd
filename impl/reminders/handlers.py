"""The `reminders` operations."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import Request, Response

from generated.models import ReminderList
from generated.routers.reminders import RemindersHandlers
from impl.auth.caller import CurrentCaller
from impl.auth.identity import Caller
from impl.db.database import Database
from impl.reminders import repository
from impl.reminders.responses import json_response, reminder_json


class RemindersImpl(RemindersHandlers):
    def __init__(self, request: Request, caller: Caller) -> None:
        self.database: Database = request.app.state.database
        self.caller = caller

    @classmethod
    async def from_request(cls, request: Request, caller: CurrentCaller) -> RemindersImpl:
        return cls(request, caller)

    async def list_reminders(self, *, due_before: datetime | None, limit: int) -> ReminderList | Response:
        async with self.database.read() as connection:
            rows = await repository.pending(connection, self.caller, due_before=_utc(due_before), limit=limit)
        items = [
            reminder_json(task_id=task_id, title=title, remind_at=remind_at, due_at=due_at, late=False)
            for task_id, title, remind_at, due_at in rows
        ]
        return json_response({"items": items})


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        # Before year 1 or after 9999 once in UTC: as a bound, the start or end of time.
        return (datetime.min if moment.year == 1 else datetime.max).replace(tzinfo=UTC)
