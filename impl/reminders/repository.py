"""Statements on reminders: the caller's pending ones, and claiming the due ones to fire.

Claiming is `FOR UPDATE SKIP LOCKED` on PostgreSQL: instances that claim at once get disjoint
sets, and the claim, the `fired_at` mark and the `reminder.due` entry commit together, so a
reminder fires exactly once whichever instance takes it (SQLite's single writer serialises
claimers the same way). Before writing entries the claimer takes the owners' change counters
with SKIP LOCKED too, and leaves for the next round the reminders of an owner whose counter a
writer holds: a claimer never waits for a lock while holding reminder rows, so a task write
(which locks a reminder row, then the counter) cannot deadlock with it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from impl.auth.identity import Caller, revoked, sql_for
from impl.db.database import Connection
from impl.db.sql import Query, Step, cached

_PENDING = (
    "SELECT x.task_id, x.title, x.remind_at, x.due_at FROM (SELECT 1) AS one LEFT JOIN"
    " (SELECT r.task_id, t.title, r.remind_at, t.due_at FROM reminders r JOIN tasks t ON t.id = r.task_id"
    " WHERE r.owner_id = :caller_id AND r.fired_at IS NULL{due_before}"
    " ORDER BY r.remind_at, r.task_id LIMIT :limit) AS x ON 1 = 1"
    " WHERE {caller_valid}"
)
_CLAIM = Query.of(
    "SELECT r.task_id, r.owner_id, r.remind_at, t.title, t.due_at FROM reminders r"
    " JOIN tasks t ON t.id = r.task_id"
    " WHERE r.fired_at IS NULL AND r.remind_at <= :now ORDER BY r.remind_at LIMIT :limit",
    postgresql="SELECT r.task_id, r.owner_id, r.remind_at, t.title, t.due_at FROM reminders r"
    " JOIN tasks t ON t.id = r.task_id"
    " WHERE r.fired_at IS NULL AND r.remind_at <= :now ORDER BY r.remind_at LIMIT :limit"
    " FOR UPDATE OF r SKIP LOCKED",
)
_COUNTERS_FREE = "SELECT owner_id FROM event_counters WHERE owner_id IN ({owners}) FOR UPDATE SKIP LOCKED"
_COUNTERS_KNOWN = "SELECT owner_id FROM event_counters WHERE owner_id IN ({owners})"
FIRED = Query.of("UPDATE reminders SET fired_at = :now WHERE task_id = :task_id AND fired_at IS NULL")
_PURGE = Query.of("DELETE FROM reminders WHERE fired_at < :before")


@dataclass(frozen=True, slots=True)
class DueReminder:
    task_id: uuid.UUID
    owner_id: uuid.UUID
    remind_at: datetime
    title: str
    due_at: datetime | None


async def pending(
    connection: Connection, caller: Caller, *, due_before: datetime | None, limit: int
) -> list[tuple[Any, ...]]:
    """The caller's pending reminders (task_id, title, remind_at, due_at); 401 if the caller
    is no longer valid. One round trip."""
    template = _PENDING.replace("{due_before}", " AND r.remind_at < :due_before" if due_before else "")
    params = {**caller.params, "limit": limit, "due_before": due_before}
    rows = await connection.fetch_all(cached(sql_for(template, caller)), params)
    if not rows:
        raise revoked()
    # Ordered here (see impl/changes/log.py: no sort node in the SQL).
    return sorted((row for row in rows if row[0] is not None), key=lambda row: (row[2], str(row[0])))


async def claim_due(connection: Connection, *, now: datetime, limit: int) -> list[DueReminder]:
    """Due reminders, locked for this transaction, whose owners' counters it could take too."""
    rows = await connection.fetch_all(_CLAIM, {"now": now, "limit": limit})
    if not rows:
        return []
    due = [DueReminder(*row) for row in rows]
    owners = sorted({reminder.owner_id for reminder in due})
    names = {f"owner{index}": owner for index, owner in enumerate(owners)}
    placeholders = ", ".join(f":{name}" for name in names)
    known, free = await connection.run(
        Step(cached(_COUNTERS_KNOWN.replace("{owners}", placeholders)), names),
        Step(
            Query.of(
                _COUNTERS_KNOWN.replace("{owners}", placeholders),
                postgresql=_COUNTERS_FREE.replace("{owners}", placeholders),
            ),
            names,
        ),
    )
    busy = {row[0] for row in known.rows} - {row[0] for row in free.rows}
    return [reminder for reminder in due if reminder.owner_id not in busy]


async def purge(connection: Connection, *, before: datetime) -> int:
    return await connection.execute(_PURGE, {"before": before})
