from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Literal

from fastapi import Request, Response
from sqlalchemy.orm.exc import StaleDataError

from generated.models import Task, TaskBatch, TaskBatchResult, TaskCreate, TaskPage, TaskReplace, TaskUpdate
from generated.routers.tasks import TasksHandlers
from impl.auth.dependencies import CurrentUser
from impl.db.sessions import SessionDep
from impl.db.tables import TaskRow
from impl.db.timestamps import utc_now
from impl.http.conditional import etag, if_match_holds, if_none_match_hits
from impl.http.problems import NotFound, PreconditionFailed
from impl.http.state import SettingsDep
from impl.tasks import repository as task_store
from impl.tasks.batch import TaskBatchRunner
from impl.tasks.idempotency import IdempotencyKeys, StoredResponse, fingerprint
from impl.tasks.ordering import TaskOrder
from impl.tasks.pages import TaskPager, filters_from
from impl.tasks.responses import stored_task_response, task_response
from impl.tasks.writes import TaskWriter

# Optimistic attempts at a write without If-Match before the row is locked for the last one.
WRITE_ATTEMPTS = 3
Sort = Literal[
    "created_at",
    "-created_at",
    "updated_at",
    "-updated_at",
    "due_at",
    "-due_at",
    "priority",
    "-priority",
    "title",
    "-title",
]
Priority = Literal["none", "low", "medium", "high"]


class TasksImpl(TasksHandlers):
    def __init__(
        self,
        session: SessionDep,
        user: CurrentUser,
        settings: SettingsDep,
        request: Request,
        response: Response,
    ) -> None:
        self.session = session
        self.owner_id = user.id
        self.settings = settings
        self.request = request
        self.response = response
        self.now = utc_now()
        self.writer = TaskWriter(session, owner_id=user.id, now=self.now)

    def list_tasks(
        self,
        *,
        limit: int,
        cursor: str | None,
        sort: Sort,
        completed: bool | None,
        priority: list[Priority] | None,
        tag: list[str] | None,
        due_before: datetime | None,
        due_after: datetime | None,
        overdue: bool | None,
        q: str | None,
        updated_since: datetime | None,
    ) -> TaskPage:
        filters = filters_from(
            completed=completed,
            priority=priority,
            tag=tag,
            due_before=due_before,
            due_after=due_after,
            overdue=overdue,
            q=q,
            updated_since=updated_since,
        )
        pager = TaskPager(
            self.session,
            owner_id=self.owner_id,
            cursors=self.request.app.state.cursors,
            retention=timedelta(days=self.settings.tombstone_retention_days),
            now=self.now,
        )
        return pager.page(filters, TaskOrder.parse(sort), limit=limit, cursor=cursor)

    def create_task(self, *, body: TaskCreate, idempotency_key: str | None) -> Task:
        keys, replay = self._claim(idempotency_key, body)
        if replay is not None:
            return self._replayed(replay)
        row = self.writer.create(body.model_dump(), pointer="/body")
        self.response.headers["Location"] = f"/api/v1/tasks/{row.id}"
        return self._respond(row, keys, idempotency_key, status=201)

    def get_task(self, *, task_id: uuid.UUID, if_none_match: str | None) -> Task | Response:
        row = self._get(task_id)
        if if_none_match_hits(if_none_match, row.version):
            return Response(status_code=304, headers={"ETag": etag(row.version)})
        return self._respond(row)

    def replace_task(self, *, task_id: uuid.UUID, body: TaskReplace, if_match: str | None) -> Task:
        values = body.model_dump()
        return self._respond(
            self._write(task_id, if_match, lambda row: self.writer.replace(row, values, pointer="/body"))
        )

    def update_task(self, *, task_id: uuid.UUID, body: TaskUpdate, if_match: str | None) -> Task:
        values, given = body.model_dump(), set(body.model_fields_set)
        row = self._write(
            task_id, if_match, lambda row: self.writer.update(row, values, given, pointer="/body")
        )
        return self._respond(row)

    def delete_task(self, *, task_id: uuid.UUID, if_match: str | None) -> None:
        self._write(task_id, if_match, self.writer.delete)

    def complete_task(self, *, task_id: uuid.UUID, if_match: str | None, idempotency_key: str | None) -> Task:
        keys, replay = self._claim(idempotency_key, None)
        if replay is not None:
            return self._replayed(replay)
        row = self._write(task_id, if_match, self.writer.complete, reached=lambda row: row.completed)
        return self._respond(row, keys, idempotency_key, status=200)

    def reopen_task(self, *, task_id: uuid.UUID, if_match: str | None) -> Task:
        return self._respond(
            self._write(task_id, if_match, self.writer.reopen, reached=lambda row: not row.completed)
        )

    def batch_tasks(self, *, body: TaskBatch) -> TaskBatchResult:
        return TaskBatchRunner(self.session, self.writer).run(body)

    def _get(self, task_id: uuid.UUID, *, for_update: bool = False) -> TaskRow:
        row = task_store.get_task(
            self.session, owner_id=self.owner_id, task_id=task_id, for_update=for_update
        )
        if row is None:
            raise NotFound("No task with this id.")
        return row

    def _write(
        self,
        task_id: uuid.UUID,
        if_match: str | None,
        change: Callable[[TaskRow], object],
        *,
        reached: Callable[[TaskRow], bool] | None = None,
    ) -> TaskRow:
        """Read the task, check If-Match, change it: the flush is `UPDATE ... WHERE version = ?`,
        so a concurrent write in between makes it fail (StaleDataError) instead of being lost.
        With If-Match that is a 412; without, the write is retried on the new version.
        `reached`: the task is already as wanted, so the request succeeds without a write."""
        for attempt in range(WRITE_ATTEMPTS):
            try:
                with self.session.begin_nested():
                    row = self._get(task_id, for_update=attempt == WRITE_ATTEMPTS - 1)
                    if reached is not None and reached(row):
                        return row
                    if not if_match_holds(if_match, row.version):
                        raise _stale(row.version)
                    change(row)
                    return row
            except StaleDataError:
                if if_match is not None:
                    raise _stale(None) from None
        raise AssertionError("the last attempt holds the row lock")  # pragma: no cover

    def _respond(
        self, row: TaskRow, keys: IdempotencyKeys | None = None, key: str | None = None, *, status: int = 200
    ) -> Task:
        task = task_response(row, self.writer.tags_of(row))
        self.response.headers["ETag"] = task.etag
        if keys is not None and key is not None:
            headers = {
                name: self.response.headers[name]
                for name in ("Location", "ETag")
                if name in self.response.headers
            }
            keys.store(key, status=status, body=task, headers=headers)
        return task

    def _claim(
        self, key: str | None, body: TaskCreate | None
    ) -> tuple[IdempotencyKeys | None, StoredResponse | None]:
        if key is None:
            return None, None
        keys = IdempotencyKeys(
            self.session,
            user_id=self.owner_id,
            now=self.now,
            ttl=timedelta(hours=self.settings.idempotency_key_ttl_hours),
        )
        return keys, keys.claim(key, fingerprint(self.request.method, self.request.url.path, body))

    def _replayed(self, stored: StoredResponse) -> Task:
        self.response.status_code = stored.status
        self.response.headers.update(stored.headers)
        return stored_task_response(stored.body)


def _stale(version: int | None) -> PreconditionFailed:
    current = f" (it is now {etag(version)})" if version is not None else ""
    return PreconditionFailed(
        f"The task has changed since you read it{current}: fetch it again and retry.",
        current_etag=etag(version) if version is not None else None,
    )
