"""`tasks-api purge` (or `python -m impl.purge`): forget what delta sync and retries no longer need.

Deletes the tombstones of tasks deleted more than TOMBSTONE_RETENTION_DAYS ago (default 30)
and the Idempotency-Keys used more than IDEMPOTENCY_KEY_TTL_HOURS ago (default 24). Run it
periodically (e.g. daily from cron or a scheduled job); it is safe to run at any time and
concurrently with the service. A client whose last sync is older than the retention gets 410
from `GET /api/v1/tasks?updated_since=...` and resyncs fully.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

from impl.db.engine import build_engine, session_factory
from impl.db.timestamps import utc_now
from impl.settings import Settings, get_settings
from impl.tasks import idempotency_keys as key_store
from impl.tasks import repository as task_store


@dataclass(frozen=True)
class Purged:
    tombstones: int
    idempotency_keys: int


def purge(session: Session, settings: Settings, *, now: datetime) -> Purged:
    tombstones = task_store.purge_tombstones(
        session, deleted_before=now - timedelta(days=settings.tombstone_retention_days)
    )
    keys = key_store.purge_keys(
        session, created_before=now - timedelta(hours=settings.idempotency_key_ttl_hours)
    )
    return Purged(tombstones=tombstones, idempotency_keys=keys)


def main(argv: Sequence[str] | None = None) -> int:
    argparse.ArgumentParser(
        prog="tasks-api purge",
        description=__doc__.split("\n\n", 1)[1] if __doc__ else None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    ).parse_args(argv)
    settings = get_settings()
    engine = build_engine(settings.database_url)
    try:
        with session_factory(engine)(write=True) as session:
            purged = purge(session, settings, now=utc_now())
            session.commit()
    finally:
        engine.dispose()
    print(f"purged {purged.tombstones} tombstone(s) and {purged.idempotency_keys} idempotency key(s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
