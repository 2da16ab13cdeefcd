"""`tasks-api purge` (or `python -m impl.purge`): forget what delta sync and retries no longer need.

Deletes the tombstones of tasks and lists deleted more than TOMBSTONE_RETENTION_DAYS ago
(default 30) and the Idempotency-Keys used more than IDEMPOTENCY_KEY_TTL_HOURS ago (default
24); the event stream's change-log entries and fired reminders older than the same retention
(a stream resuming from before then gets `resync`), and expired stream tickets. Run it
periodically (e.g. daily from cron or a scheduled job); it is safe to run at any time and
concurrently with the service. A client whose last sync is older than the retention gets 410
from `GET /api/v1/tasks?updated_since=...` and resyncs fully.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from impl.changes import log as change_log
from impl.db.database import Connection
from impl.db.engine import build_database
from impl.db.timestamps import utc_now
from impl.events import tickets
from impl.idempotency import keys as key_store
from impl.lists import repository as list_store
from impl.reminders import repository as reminder_store
from impl.settings import Settings, get_settings
from impl.tasks import repository as task_store


@dataclass(frozen=True)
class Purged:
    tombstones: int
    idempotency_keys: int
    events: int = 0
    reminders: int = 0
    tickets: int = 0


async def purge(connection: Connection, settings: Settings, *, now: datetime) -> Purged:
    cut_off = now - timedelta(days=settings.tombstone_retention_days)
    # Tasks' and lists' tombstones alike (a tombstone's list may be purged before it: tasks
    # have no foreign key to their list).
    tombstones = await task_store.purge_tombstones(connection, deleted_before=cut_off)
    tombstones += await list_store.purge_tombstones(connection, deleted_before=cut_off)
    keys = await key_store.purge_keys(
        connection, created_before=now - timedelta(hours=settings.idempotency_key_ttl_hours)
    )
    retention = now - timedelta(days=settings.tombstone_retention_days)
    return Purged(
        tombstones=tombstones,
        idempotency_keys=keys,
        events=await change_log.purge(connection, before=retention),
        reminders=await reminder_store.purge(connection, before=retention),
        tickets=await tickets.purge(connection, before=now - tickets.TICKET_TTL),
    )


async def _purge_now(settings: Settings) -> Purged:
    database = build_database(settings)
    await database.open()
    try:
        async with database.write() as connection:
            return await purge(connection, settings, now=utc_now())
    finally:
        await database.close()


def main(argv: Sequence[str] | None = None) -> int:
    argparse.ArgumentParser(
        prog="tasks-api purge",
        description=__doc__.split("\n\n", 1)[1] if __doc__ else None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    ).parse_args(argv)
    purged = asyncio.run(_purge_now(get_settings()))
    print(f"purged {purged.tombstones} tombstone(s) and {purged.idempotency_keys} idempotency key(s)")
    print(
        f"purged {purged.events} change-log entry(ies), {purged.reminders} fired reminder(s)"
        f" and {purged.tickets} stream ticket(s)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
