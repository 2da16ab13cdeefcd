"""The `lists` operations. Reads are one round trip (the caller's check folded in); a write
locks the caller's tree and the list, decides, and commits with its last statements."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any, Literal

import orjson
from fastapi import Request, Response

from generated.models import TaskListCreate, TaskListMove, TaskListUpdate
from generated.routers.lists import ListsHandlers
from impl.auth.caller import CurrentCaller
from impl.auth.identity import Caller, revoked
from impl.auth.owner_lock import owner_lock_step
from impl.changes.log import append_steps
from impl.db import ranks
from impl.db.database import Connection, Database
from impl.db.engine import PLANNER_SETTINGS
from impl.db.sql import Step
from impl.db.timestamps import utc_now
from impl.http.conditional import etag, if_match_holds, if_none_match_hits
from impl.http.cursors import CursorCodec
from impl.http.problems import ListNameTaken, NotFound, PreconditionFailed, SyncExpired, ValidationFailed
from impl.idempotency.requests import IdempotencyKey, fingerprint
from impl.lists import repository
from impl.lists.responses import Row, list_json
from impl.settings import Settings
from impl.tasks.writes import TaskWriter

LISTS_PATH = "/api/v1/lists"
JSON_MEDIA_TYPE = "application/json"
# What a deleted task keeps as its search key (impl/tasks/fields.py's search_key("", None)).
EMPTY_SEARCH_KEY = "\x1f"


def _json(document: Any, *, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    body = orjson.dumps(document, option=orjson.OPT_UTC_Z)
    return Response(body, status_code=status, headers=headers, media_type=JSON_MEDIA_TYPE)


LIST_CREATED = "list.created"
LIST_UPDATED = "list.updated"
LIST_DELETED = "list.deleted"


def _encoded(document: Any) -> bytes:
    body: bytes = orjson.dumps(document, option=orjson.OPT_UTC_Z)
    return body


def name_key(name: str) -> str:
    return name.strip().casefold()


class ListsImpl(ListsHandlers):
    def __init__(self, request: Request, caller: Caller) -> None:
        state = request.app.state
        self.caller = caller
        self.owner_id = caller.user_id
        self.database: Database = state.database
        self.settings: Settings = state.settings
        self.cursors: CursorCodec = state.cursors
        self.now = utc_now()

    @classmethod
    async def from_request(cls, request: Request, caller: CurrentCaller) -> ListsImpl:
        return cls(request, caller)

    async def list_lists(self, *, limit: int, cursor: str | None, updated_since: datetime | None) -> Response:
        retention = timedelta(days=self.settings.tombstone_retention_days)
        if updated_since is not None and updated_since < self.now - retention:
            raise SyncExpired(
                f"updated_since is older than the {retention.days}-day tombstone retention, so "
                "deletions may be missing: list every list again without updated_since."
            )
        query = "lists" if updated_since is None else f"lists-since-{updated_since.isoformat()}"
        after = None
        if cursor is not None:
            value, item_id = self.cursors.decode(cursor, query=query)
            if not isinstance(value, str):
                raise ValidationFailed(
                    [{"pointer": "/query/cursor", "detail": "Invalid cursor: pass a next_cursor unchanged."}]
                )
            after = (value, item_id)
        async with self.database.read() as connection:
            step = repository.page_step(
                connection, self.caller, after=after, updated_since=updated_since, limit=limit + 1
            )
            # As for task pages: the (owner_id, rank, id) index walk is the plan, whatever the
            # statistics say (impl/tasks/page_queries.py).
            (result,) = await connection.run(step, planner=PLANNER_SETTINGS)
            if not result.rows:
                await self._ensure_valid(connection)
        rows = result.rows
        page = rows[:limit]
        next_cursor = None
        if len(rows) > limit:
            next_cursor = self.cursors.encode(query=query, value=page[-1][3], item_id=page[-1][0])
        return _json({"items": [list_json(row) for row in page], "next_cursor": next_cursor})

    async def get_list(self, *, list_id: uuid.UUID, if_none_match: str | None) -> Response:
        async with self.database.read() as connection:
            (result,) = await connection.run(repository.get_step(connection, self.caller, list_id=list_id))
        if not result.rows:
            raise revoked()
        row = result.rows[0]
        if row[0] is None:
            raise NotFound("No list with this id.")
        if if_none_match_hits(if_none_match, row[4]):
            return Response(status_code=304, headers={"ETag": etag(row[4])})
        return _json(list_json(row), headers={"ETag": etag(row[4])})

    async def create_list(self, *, body: TaskListCreate, idempotency_key: str | None) -> Response:
        name, key = body.name.strip(), name_key(body.name)
        async with self.database.write() as connection:
            claim = self._idempotency_key(connection, idempotency_key, body)
            claimed = [] if claim is None else [claim.claim_step()]
            *first, owner, count, taken = await connection.run(
                *claimed,
                owner_lock_step(connection, self.caller),
                repository.count_step(self.owner_id),
                repository.name_taken_step(self.owner_id, key),
            )
            if claim is not None:
                replay = await claim.replay(first[0])
                if replay is not None:
                    return replay
            if not owner.rows:
                raise revoked()
            if count.rows[0][0] >= repository.MAX_LISTS:
                raise ValidationFailed(
                    [
                        {
                            "pointer": "/body",
                            "detail": f"You have {repository.MAX_LISTS} lists, the most allowed: "
                            "delete one to create another.",
                        }
                    ]
                )
            if taken.rows:
                raise ListNameTaken(name)
            list_id = uuid.uuid4()
            steps: list[Step] = []
            if body.after_id is None and body.before_id is None:
                rank = ranks.clock_rank(self.now, list_id)
            else:
                rank, steps = await self._placed(connection, list_id, body.after_id, body.before_id)
            params = {
                "id": list_id,
                "owner_id": self.owner_id,
                "name": name,
                "name_key": key,
                "color": _color(body.color),
                "rank": rank,
                "now": self.now,
            }
            steps.append(Step(repository.INSERT, params))
            # The list's change-log entry (and the response of an Idempotency-Key) commit with it.
            row = await self._read_back(connection, steps, list_id)
            headers = {"Location": f"{LISTS_PATH}/{list_id}", "ETag": etag(row[4])}
            document = _encoded(list_json(row))
            final = self._logged(connection, LIST_CREATED, document)
            if claim is not None:
                final.append(claim.save_step(status=201, body=document, headers=headers))
            await connection.run(*final, commit=True)
        return Response(document, status_code=201, headers=headers, media_type=JSON_MEDIA_TYPE)

    def _logged(self, connection: Connection, kind: str, document: bytes) -> list[Step]:
        """The statements of a list change's entry in the change log (impl/changes/log.py)."""
        return append_steps(connection, owner_id=self.owner_id, kind=kind, data=document, now=self.now)

    def _idempotency_key(
        self, connection: Connection, key: str | None, body: TaskListCreate
    ) -> IdempotencyKey | None:
        if key is None:
            return None
        return IdempotencyKey(
            connection=connection,
            caller=self.caller,
            key=key,
            fingerprint=fingerprint("POST", LISTS_PATH, body),
            now=self.now,
            ttl=timedelta(hours=self.settings.idempotency_key_ttl_hours),
        )

    async def update_list(
        self, *, list_id: uuid.UUID, body: TaskListUpdate, if_match: str | None
    ) -> Response:
        given = body.model_fields_set
        async with self.database.write() as connection:
            current = await self._lock(connection, list_id, if_match)
            name, key, color = current[1], name_key(current[1]), current[2]
            if "name" in given and body.name is not None:
                name, key = body.name.strip(), name_key(body.name)
                if key != name_key(current[1]):
                    (taken,) = await connection.run(repository.name_taken_step(self.owner_id, key))
                    if taken.rows:
                        raise ListNameTaken(name)
            if "color" in given:
                color = _color(body.color)
            if not given:
                row = await self._commit_and_read(connection, [], list_id)
            else:
                step = self._update(current, name=name, key=key, color=color, rank=current[3])
                row = await self._commit_and_read(connection, [step], list_id, logged=LIST_UPDATED)
        return _json(list_json(row), headers={"ETag": etag(row[4])})

    async def delete_list(
        self, *, list_id: uuid.UUID, tasks: Literal["delete", "inbox"], if_match: str | None
    ) -> Response:
        async with self.database.write() as connection:
            current = await self._lock(connection, list_id, if_match)
            scope = {"owner_id": self.owner_id, "list_id": list_id, "now": self.now}
            # What happens to its tasks is logged task by task, as if each were written.
            writer = TaskWriter(connection, self.caller, now=self.now)
            task_entries = await writer.log_list_removal(list_id, delete=tasks == "delete")
            steps: list[Step] = []
            if tasks == "inbox":
                steps.append(Step(repository.TASKS_TO_INBOX, scope))
            else:
                steps.append(
                    Step(repository.DELETE_TASK_TAGS, {"owner_id": self.owner_id, "list_id": list_id})
                )
                steps.append(Step(repository.DELETE_TASKS, {**scope, "empty_search_key": EMPTY_SEARCH_KEY}))
            tombstone = {
                "list_id": list_id,
                "owner_id": self.owner_id,
                "name": "",
                "name_key": None,
                "color": None,
                "rank": current[3],
                "version": current[4] + 1,
                "now": self.now,
                "deleted_at": self.now,
            }
            steps.append(Step(repository.UPDATE, tombstone))
            steps += task_entries
            gone = {"object": "list_tombstone", "id": list_id, "deleted": True, "deleted_at": self.now}
            steps += self._logged(connection, LIST_DELETED, _encoded(gone))
            await connection.run(*steps, commit=True)
        return Response(status_code=204)

    async def move_list(self, *, list_id: uuid.UUID, body: TaskListMove, if_match: str | None) -> Response:
        async with self.database.write() as connection:
            current = await self._lock(connection, list_id, if_match)
            rank, steps = await self._placed(connection, list_id, body.after_id, body.before_id)
            steps.append(
                self._update(current, name=current[1], key=name_key(current[1]), color=current[2], rank=rank)
            )
            row = await self._commit_and_read(connection, steps, list_id, logged=LIST_UPDATED)
        return _json(list_json(row), headers={"ETag": etag(row[4])})

    async def _placed(
        self,
        connection: Connection,
        list_id: uuid.UUID,
        after_id: uuid.UUID | None,
        before_id: uuid.UUID | None,
    ) -> tuple[str, list[Step]]:
        """The rank that puts the list right after `after_id` or right before `before_id` (last
        with neither), and the statements of a rebalance when its neighbours left no room."""
        if after_id is not None and before_id is not None:
            raise ValidationFailed(
                [{"pointer": "/body/before_id", "detail": "Give after_id or before_id, not both."}]
            )
        field = "after_id" if after_id is not None else "before_id"
        anchor_id = after_id or before_id
        anchor = None
        if anchor_id is not None:
            if anchor_id == list_id:
                raise ValidationFailed(
                    [{"pointer": f"/body/{field}", "detail": "A list cannot be placed next to itself."}]
                )
            anchor_rank = await repository.anchor_rank(
                connection, owner_id=self.owner_id, anchor_id=anchor_id
            )
            if anchor_rank is None:
                raise NotFound(
                    "No list of yours has this id.",
                    errors=[{"pointer": f"/body/{field}", "detail": "No list with this id."}],
                )
            anchor = (anchor_rank, anchor_id)
        before = before_id is not None
        neighbour = await repository.neighbour_rank(
            connection, owner_id=self.owner_id, list_id=list_id, anchor=anchor, before=before
        )
        if anchor is None:
            low, high = neighbour, None
        else:
            low, high = (neighbour, anchor[0]) if before else (anchor[0], neighbour)
        rank = ranks.between(low, high, now=self.now, salt=list_id)
        if rank is not None:
            return rank, []
        # No room left between the neighbours: every list gets an evenly spaced rank.
        order = await repository.sibling_ids(connection, owner_id=self.owner_id, list_id=list_id)
        index = len(order) if anchor_id is None else order.index(anchor_id) + (0 if before else 1)
        order.insert(index, list_id)
        spread = ranks.spread(len(order), now=self.now)
        rows = [
            {"id": other, "rank": spread[position], "now": self.now, "owner_id": self.owner_id}
            for position, other in enumerate(order)
            if other != list_id
        ]
        return spread[index], [Step(repository.REBALANCE, many=rows)] if rows else []

    async def _lock(self, connection: Connection, list_id: uuid.UUID, if_match: str | None) -> Row:
        owner, locked = await connection.run(
            owner_lock_step(connection, self.caller),
            repository.lock_step(connection, self.caller, list_id=list_id),
        )
        if not owner.rows:
            raise revoked()
        if not locked.rows:
            raise NotFound("No list with this id.")
        current = tuple(locked.rows[0])
        if not if_match_holds(if_match, current[4]):
            raise PreconditionFailed(
                f"The list has changed since you read it (it is now {etag(current[4])}): "
                "fetch it again and retry.",
                current_etag=etag(current[4]),
            )
        return current

    def _update(self, current: Row, *, name: str, key: str, color: str | None, rank: str) -> Step:
        params = {
            "list_id": current[0],
            "owner_id": self.owner_id,
            "name": name,
            "name_key": key,
            "color": color,
            "rank": rank,
            "version": current[4] + 1,
            "now": self.now,
            "deleted_at": None,
        }
        return Step(repository.UPDATE, params)

    async def _commit_and_read(
        self, connection: Connection, steps: list[Step], list_id: uuid.UUID, *, logged: str | None = None
    ) -> Row:
        """Send the statements, read the list back with its counts, and commit: one round trip;
        two when the change is `logged` (its entry holds the list as read back)."""
        if logged is None:
            return await self._read_back(connection, steps, list_id, commit=True)
        row = await self._read_back(connection, steps, list_id)
        await connection.run(*self._logged(connection, logged, _encoded(list_json(row))), commit=True)
        return row

    async def _read_back(
        self, connection: Connection, steps: list[Step], list_id: uuid.UUID, *, commit: bool = False
    ) -> Row:
        results = await connection.run(
            *steps, repository.get_step(connection, self.caller, list_id=list_id), commit=commit
        )
        rows = results[-1].rows
        if not rows or rows[0][0] is None:
            raise revoked()
        return tuple(rows[0])

    async def _ensure_valid(self, connection: Connection) -> None:
        (owner,) = await connection.run(
            repository.get_step(connection, self.caller, list_id=uuid.UUID(int=0))
        )
        if not owner.rows:
            raise revoked()


def _color(color: str | None) -> str | None:
    return color.lower() if color is not None else None
