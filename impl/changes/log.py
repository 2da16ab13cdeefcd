"""The change log: each user's changes, numbered, written in the transaction of the change.

`append_steps` turns one change into two statements sent with the write's own (one pipeline,
one COMMIT): bump the user's counter, then insert the entry under the new number. The bump
locks the user's counter row until the transaction ends, so one user's entries are numbered
in commit order: a stream that has read up to N can never see an N-1 commit later. A write
that rolls back takes its entry and its number with it. The unit of work is noted with the
user's id, so the streams are woken once it has committed (impl/changes/hub.py).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from impl.auth.identity import Caller, revoked, sql_for
from impl.db.database import Connection
from impl.db.sql import Query, Step, cached

# Guarded like the entry itself: nothing is counted for a task that was not written (a caller
# revoked in between: its guarded insert wrote nothing) or a user that does not exist.
_BUMP_FOR_TASK = Query.of(
    "INSERT INTO event_counters (owner_id, last_seq, purged_through) SELECT :owner_id, 1, 0"
    " WHERE EXISTS (SELECT 1 FROM tasks t WHERE t.id = :task_id AND t.owner_id = :owner_id)"
    " ON CONFLICT (owner_id) DO UPDATE SET last_seq = event_counters.last_seq + 1"
)
_BUMP_ANY = Query.of(
    "INSERT INTO event_counters (owner_id, last_seq, purged_through) SELECT :owner_id, 1, 0"
    " WHERE EXISTS (SELECT 1 FROM users u WHERE u.id = :owner_id)"
    " ON CONFLICT (owner_id) DO UPDATE SET last_seq = event_counters.last_seq + 1"
)
_APPEND_ANY = Query.of(
    "INSERT INTO events (owner_id, seq, kind, data, created_at)"
    " SELECT :owner_id, c.last_seq, :kind, :data, :now FROM event_counters c"
    " WHERE c.owner_id = :owner_id"
)
# A task's entry is written only if the task is (its insert is guarded by the caller's check:
# a caller revoked in between inserts neither).
_APPEND_FOR_TASK = Query.of(
    "INSERT INTO events (owner_id, seq, kind, data, created_at)"
    " SELECT :owner_id, c.last_seq, :kind, :data, :now FROM event_counters c"
    " WHERE c.owner_id = :owner_id"
    " AND EXISTS (SELECT 1 FROM tasks t WHERE t.id = :task_id AND t.owner_id = :owner_id)"
)

_POSITION = (
    "SELECT c.last_seq, c.purged_through FROM (SELECT 1) AS one"
    " LEFT JOIN event_counters c ON c.owner_id = :caller_id WHERE {caller_valid}"
)
_AFTER = (
    "SELECT e.seq, e.kind, e.data FROM (SELECT 1) AS one LEFT JOIN"
    " (SELECT seq, kind, data FROM events WHERE owner_id = :caller_id AND seq > :after"
    " ORDER BY seq LIMIT :limit) AS e ON 1 = 1 WHERE {caller_valid}"
)
_PURGE = Query.of("DELETE FROM events WHERE created_at < :before")
_MARK_PURGED = Query.of(
    "UPDATE event_counters SET purged_through = COALESCE((SELECT MIN(e.seq) - 1 FROM events e"
    " WHERE e.owner_id = event_counters.owner_id), last_seq)"
)


@dataclass(frozen=True, slots=True)
class Entry:
    seq: int
    kind: str
    data: str


@dataclass(frozen=True, slots=True)
class Position:
    last_seq: int
    # Entries up to this number have been purged: a resume from before it cannot be served.
    purged_through: int


def append_steps(
    connection: Connection,
    *,
    owner_id: uuid.UUID,
    kind: str,
    data: bytes | str,
    now: datetime,
    task_id: uuid.UUID | None = None,
) -> list[Step]:
    connection.note(str(owner_id))
    params = {
        "owner_id": owner_id,
        "kind": kind,
        "data": data.decode() if isinstance(data, bytes) else data,
        "now": now,
    }
    if task_id is None:
        return [Step(_BUMP_ANY, {"owner_id": owner_id}), Step(_APPEND_ANY, params)]
    guard = {"owner_id": owner_id, "task_id": task_id}
    return [Step(_BUMP_FOR_TASK, guard), Step(_APPEND_FOR_TASK, {**params, "task_id": task_id})]


async def position(connection: Connection, caller: Caller) -> Position:
    """The caller's latest change number; 401 if the caller is no longer valid."""
    row = await connection.fetch_one(cached(sql_for(_POSITION, caller)), caller.params)
    if row is None:
        raise revoked()
    return Position(last_seq=int(row[0] or 0), purged_through=int(row[1] or 0))


async def entries_after(
    connection: Connection, caller: Caller, *, after: int, limit: int
) -> list[Entry] | None:
    """The caller's entries numbered after `after`, oldest first; None if the caller is no
    longer valid (logged out, password changed, account deleted). One round trip."""
    rows = await connection.fetch_all(
        cached(sql_for(_AFTER, caller)), {**caller.params, "after": after, "limit": limit}
    )
    if not rows:
        return None
    # Ordered here, not by an outer ORDER BY: the sessions rule sorts out (enable_sort = off,
    # impl/db/engine.py), and a sort node's penalty cost would set off JIT compilation (~50 ms).
    return sorted(
        (Entry(int(seq), kind, data) for seq, kind, data in rows if seq is not None), key=lambda e: e.seq
    )


async def purge(connection: Connection, *, before: datetime) -> int:
    """Forget entries older than the retention; streams resuming from before get `resync`."""
    results = await connection.run(Step(_PURGE, {"before": before}), Step(_MARK_PURGED))
    return results[0].rowcount
