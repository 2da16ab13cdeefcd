"""The `tasks` operations. Reads are one round trip (the caller's check folded in); a write
locks what it changes, decides, and commits in a second one (a create needs only one)."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta

from fastapi import Request, Response

from generated.models import TaskBatch, TaskCreate, TaskMove, TaskReplace, TaskUpdate
from generated.routers.tasks import TasksHandlers
from generated.types import Priority, TaskSort
from impl.auth.caller import CurrentCaller
from impl.auth.identity import Caller, revoked
from impl.db.database import Connection, Database
from impl.db.sql import Step
from impl.db.timestamps import utc_now
from impl.http.conditional import etag, if_match_holds, if_none_match_hits
from impl.http.cursors import CursorCodec
from impl.http.problems import NotFound, PreconditionFailed
from impl.idempotency.requests import IdempotencyKey, fingerprint
from impl.settings import Settings
from impl.tasks import repository, tree
from impl.tasks.batch import TaskBatchRunner
from impl.tasks.moves import TaskMover
from impl.tasks.ordering import TaskOrder
from impl.tasks.pages import TaskPager, filters_from
from impl.tasks.responses import (
    JSON_MEDIA_TYPE,
    StoredTask,
    dumps,
    json_response,
    replayable,
    stored_json,
    task_json,
)
from impl.tasks.tree import TreeRules
from impl.tasks.writes import Change, TaskWriter

TASKS_PATH = "/api/v1/tasks"
# A PATCH of these may move the task or cascade to its subtasks: it locks the owner's tree.
STRUCTURAL_FIELDS = frozenset({"list_id", "parent_id", "completed"})


class TasksImpl(TasksHandlers):
    def __init__(self, request: Request, caller: Caller) -> None:
        state = request.app.state
        self.request = request
        self.caller = caller
        self.database: Database = state.database
        self.settings: Settings = state.settings
        self.cursors: CursorCodec = state.cursors
        self.now = utc_now()

    @classmethod
    async def from_request(cls, request: Request, caller: CurrentCaller) -> TasksImpl:
        return cls(request, caller)

    async def list_tasks(
        self,
        *,
        limit: int,
        cursor: str | None,
        sort: TaskSort,
        completed: bool | None,
        priority: Sequence[Priority] | None,
        tag: Sequence[str] | None,
        due_before: datetime | None,
        due_after: datetime | None,
        overdue: bool | None,
        q: str | None,
        updated_since: datetime | None,
        list_id: str | None,
        parent_id: str | None,
    ) -> Response:
        filters = filters_from(
            completed=completed,
            priority=priority,
            tag=tag,
            due_before=due_before,
            due_after=due_after,
            overdue=overdue,
            q=q,
            updated_since=updated_since,
            list_id=list_id,
            parent_id=parent_id,
        )
        async with self.database.read() as connection:
            pager = TaskPager(
                connection,
                self.caller,
                cursors=self.cursors,
                retention=timedelta(days=self.settings.tombstone_retention_days),
                now=self.now,
            )
            body = await pager.page(filters, TaskOrder.parse(sort), limit=limit, cursor=cursor)
        return Response(body, media_type=JSON_MEDIA_TYPE)

    async def get_task(self, *, task_id: uuid.UUID, if_none_match: str | None) -> Response:
        async with self.database.read() as connection:
            row = await repository.get_task(connection, self.caller, task_id=task_id)
        if row is None:
            raise NotFound("No task with this id.")
        version = row[10]
        if if_none_match_hits(if_none_match, version):
            return Response(status_code=304, headers={"ETag": etag(version)})
        return json_response(task_json(row), headers={"ETag": etag(version)})

    async def create_task(self, *, body: TaskCreate, idempotency_key: str | None) -> Response:
        async with self.database.write() as connection:
            key = self._key(connection, idempotency_key, body)
            values, given = body.model_dump(), set(body.model_fields_set)
            # A list or parent to check: the tree is locked while it is read (impl/tasks/tree.py).
            placed = values.get("list_id") is not None or values.get("parent_id") is not None
            steps = ([] if key is None else [key.claim_step()]) + (
                [tree.owner_lock_step(connection, self.caller)] if placed else []
            )
            if steps:
                results = await connection.run(*steps)
                if key is not None:
                    replay = await key.replay(results[0])
                    if replay is not None:
                        return replay
                if placed and not results[-1].rows:
                    raise revoked()
            placement = await TreeRules(connection, self.caller).place(None, values, given, pointer="/body")
            writer = self._writer(connection)
            change = writer.create(values, pointer="/body", placement=placement)
            await writer.finish(change)
            headers = {"Location": f"{TASKS_PATH}/{change.task.id}"}
            return await self._commit(connection, change, key, status=201, headers=headers)

    async def replace_task(self, *, task_id: uuid.UUID, body: TaskReplace, if_match: str | None) -> Response:
        values = body.model_dump()

        async def change(writer: TaskWriter, task: StoredTask) -> Change:
            placement = await writer.rules.place(task, values, set(values), pointer="/body")
            return writer.replace(task, values, pointer="/body", placement=placement)

        return await self._write(task_id, if_match, change)

    async def update_task(self, *, task_id: uuid.UUID, body: TaskUpdate, if_match: str | None) -> Response:
        values, given = body.model_dump(), set(body.model_fields_set)

        async def change(writer: TaskWriter, task: StoredTask) -> Change:
            placement = await writer.rules.place(task, values, given, pointer="/body")
            return writer.update(task, values, given, pointer="/body", placement=placement)

        return await self._write(task_id, if_match, change, structural=bool(given & STRUCTURAL_FIELDS))

    async def delete_task(self, *, task_id: uuid.UUID, if_match: str | None) -> Response:
        await self._write(task_id, if_match, _sync(lambda writer, task: writer.delete(task)))
        return Response(status_code=204)

    async def move_task(self, *, task_id: uuid.UUID, body: TaskMove, if_match: str | None) -> Response:
        async def change(writer: TaskWriter, task: StoredTask) -> Change:
            return await TaskMover(writer).move(task, body)

        return await self._write(task_id, if_match, change)

    async def complete_task(
        self, *, task_id: uuid.UUID, if_match: str | None, idempotency_key: str | None
    ) -> Response:
        return await self._write(
            task_id,
            if_match,
            _sync(lambda writer, task: writer.complete(task)),
            reached=lambda task: task.completed,
            idempotency_key=idempotency_key,
        )

    async def reopen_task(self, *, task_id: uuid.UUID, if_match: str | None) -> Response:
        return await self._write(
            task_id,
            if_match,
            _sync(lambda writer, task: writer.reopen(task)),
            reached=lambda task: not task.completed,
        )

    async def batch_tasks(self, *, body: TaskBatch) -> Response:
        async with self.database.write() as connection:
            runner = TaskBatchRunner(connection, self.caller, self._writer(connection))
            return json_response(await runner.run(body))

    async def _write(
        self,
        task_id: uuid.UUID,
        if_match: str | None,
        change: Callable[[TaskWriter, StoredTask], Awaitable[Change]],
        *,
        reached: Callable[[StoredTask], bool] | None = None,
        idempotency_key: str | None = None,
        structural: bool = True,
    ) -> Response:
        """Lock the task, check If-Match, change it and commit. `reached`: the task is already
        as wanted, so the request succeeds without a write. `structural`: the change may move
        the task or cascade to its subtasks, so the owner's tree is locked first
        (impl/tasks/tree.py); a change of the task's own fields needs only the task's lock."""
        async with self.database.write() as connection:
            key = self._key(connection, idempotency_key, None)
            steps: list[Step] = [] if key is None else [key.claim_step()]
            if structural:
                steps.append(tree.owner_lock_step(connection, self.caller))
            lock = repository.lock_step(connection, self.caller, task_id=task_id)
            results = await connection.run(*steps, lock)
            if key is not None:
                replay = await key.replay(results[0])
                if replay is not None:
                    return replay
            rows = results[-1].rows
            if not rows:
                await repository.ensure_valid(connection, self.caller)
                raise NotFound("No task with this id.")
            task = StoredTask.from_row(rows[0])
            if reached is not None and reached(task):
                return await self._commit(connection, Change(task), key, status=200, headers={})
            if not if_match_holds(if_match, task.version):
                current = etag(task.version)
                raise PreconditionFailed(
                    f"The task has changed since you read it (it is now {current}): "
                    "fetch it again and retry.",
                    current_etag=current,
                )
            writer = self._writer(connection)
            changed = await change(writer, task)
            await writer.finish(changed)
            return await self._commit(connection, changed, key, status=200, headers={})

    async def _commit(
        self,
        connection: Connection,
        change: Change,
        key: IdempotencyKey | None,
        *,
        status: int,
        headers: dict[str, str],
    ) -> Response:
        """Send the change's statements (and the stored response of an Idempotency-Key) with
        COMMIT; answer with the task as they left it."""
        headers = {**headers, "ETag": etag(change.task.version)}
        body = dumps(stored_json(change.task))
        steps = list(change.steps)
        if key is not None:
            steps.append(key.save_step(status=status, body=body, headers=headers))
        if steps:
            repository.check_inserts(steps, await connection.run(*steps, commit=True))
        return Response(body, status_code=status, headers=headers, media_type=JSON_MEDIA_TYPE)

    def _writer(self, connection: Connection) -> TaskWriter:
        return TaskWriter(connection, self.caller, now=self.now)

    def _key(self, connection: Connection, key: str | None, body: TaskCreate | None) -> IdempotencyKey | None:
        if key is None:
            return None
        return IdempotencyKey(
            connection=connection,
            caller=self.caller,
            key=key,
            fingerprint=fingerprint(self.request.method, self.request.url.path, body),
            now=self.now,
            ttl=timedelta(hours=self.settings.idempotency_key_ttl_hours),
            replayable=replayable,
        )


def _sync(
    change: Callable[[TaskWriter, StoredTask], Change],
) -> Callable[[TaskWriter, StoredTask], Awaitable[Change]]:
    async def run(writer: TaskWriter, task: StoredTask) -> Change:
        return change(writer, task)

    return run
