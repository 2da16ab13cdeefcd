"""The reminder loop: each instance claims due reminders every REMINDER_POLL_SECONDS and
fires each as one `reminder.due` change-log entry, in the transaction that marks it fired.
A reminder whose time passed while no instance ran fires at the next start, `late`."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime, timedelta

from impl.changes.log import append_steps
from impl.db.database import Database
from impl.db.errors import DatabaseError
from impl.db.sql import Step
from impl.db.timestamps import utc_now
from impl.reminders import repository
from impl.reminders.responses import dumps, reminder_json

logger = logging.getLogger("tasks_api.reminders")

REMINDER_DUE = "reminder.due"
# Reminders fired per transaction; a longer backlog takes as many rounds, back to back.
CLAIM_LIMIT = 200


class ReminderScheduler:
    def __init__(self, database: Database, *, poll_seconds: float, late_after_seconds: int) -> None:
        self.database = database
        self.poll_seconds = poll_seconds
        self.late_after = timedelta(seconds=late_after_seconds)
        self._task: asyncio.Task[None] | None = None

    async def fire_due(self, now: datetime | None = None) -> int:
        """Fire what is due at `now` (the current time by default); how many fired."""
        moment = now or utc_now()
        async with self.database.write() as connection:
            due = await repository.claim_due(connection, now=moment, limit=CLAIM_LIMIT)
            steps: list[Step] = []
            for reminder in due:
                late = moment - reminder.remind_at > self.late_after
                steps.append(Step(repository.FIRED, {"now": moment, "task_id": reminder.task_id}))
                steps += append_steps(
                    connection,
                    owner_id=reminder.owner_id,
                    kind=REMINDER_DUE,
                    data=dumps(
                        reminder_json(
                            task_id=reminder.task_id,
                            title=reminder.title,
                            remind_at=reminder.remind_at,
                            due_at=reminder.due_at,
                            late=late,
                        )
                    ),
                    now=moment,
                    task_id=reminder.task_id,
                )
            if steps:
                await connection.run(*steps, commit=True)
        return len(due)

    def start(self) -> None:
        if self.poll_seconds > 0:
            self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            try:
                if await self.fire_due() >= CLAIM_LIMIT:
                    continue
            except DatabaseError as error:
                logger.warning("reminders: could not claim due reminders (%s)", error.reason)
            except Exception:
                logger.exception("reminders: claiming due reminders failed")
            await asyncio.sleep(self.poll_seconds)
