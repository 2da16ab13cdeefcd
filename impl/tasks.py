from __future__ import annotations

import uuid

from fastapi import Request, Response

from generated.models import Task, TaskCreate, TaskPage, TaskReplace, TaskUpdate
from generated.routers.tasks import TasksHandlers

from .cursors import CursorCodec
from .dependencies import CurrentUser, SessionDep
from .errors import NotFound
from .store import tasks as task_store
from .tables import TaskRow
from .timestamps import utc_now


def task_response(row: TaskRow) -> Task:
    return Task(
        id=row.id,
        title=row.title,
        description=row.description,
        completed=row.completed,
        completed_at=row.completed_at,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def set_completed(row: TaskRow, completed: bool) -> None:
    if completed and not row.completed:
        row.completed_at = utc_now()
    elif not completed:
        row.completed_at = None
    row.completed = completed


class TasksImpl(TasksHandlers):
    def __init__(self, session: SessionDep, user: CurrentUser, request: Request, response: Response) -> None:
        self.session = session
        self.owner_id = user.id
        self.cursors: CursorCodec = request.app.state.cursors
        self.response = response

    def _get(self, task_id: uuid.UUID) -> TaskRow:
        row = task_store.get_task(self.session, owner_id=self.owner_id, task_id=task_id)
        if row is None:
            raise NotFound("No task with this id.")
        return row

    def list_tasks(self, *, limit: int, cursor: str | None) -> TaskPage:
        before = self.cursors.decode(cursor) if cursor else None
        rows = task_store.list_tasks(self.session, owner_id=self.owner_id, limit=limit + 1, before=before)
        page, more = rows[:limit], len(rows) > limit
        next_cursor = self.cursors.encode(page[-1].created_at, page[-1].id) if more else None
        return TaskPage(items=[task_response(row) for row in page], next_cursor=next_cursor)

    def create_task(self, *, body: TaskCreate) -> Task:
        now = utc_now()
        row = TaskRow(
            owner_id=self.owner_id,
            title=body.title.strip(),
            description=body.description,
            completed=body.completed,
            completed_at=now if body.completed else None,
            created_at=now,
            updated_at=now,
        )
        task_store.create_task(self.session, task=row)
        self.response.headers["Location"] = f"/api/v1/tasks/{row.id}"
        return task_response(row)

    def get_task(self, *, task_id: uuid.UUID) -> Task:
        return task_response(self._get(task_id))

    def replace_task(self, *, task_id: uuid.UUID, body: TaskReplace) -> Task:
        row = self._get(task_id)
        row.title = body.title.strip()
        row.description = body.description
        set_completed(row, body.completed)
        return self._save(row)

    def update_task(self, *, task_id: uuid.UUID, body: TaskUpdate) -> Task:
        row = self._get(task_id)
        # Absent fields are unchanged; the model itself refuses null where the contract does.
        changes = body.model_fields_set
        if "title" in changes:
            row.title = body.title.strip()
        if "description" in changes:
            row.description = body.description
        if "completed" in changes:
            set_completed(row, body.completed)
        return self._save(row) if changes else task_response(row)

    def delete_task(self, *, task_id: uuid.UUID) -> None:
        if not task_store.delete_task(self.session, owner_id=self.owner_id, task_id=task_id):
            raise NotFound("No task with this id.")

    def _save(self, row: TaskRow) -> Task:
        row.updated_at = utc_now()
        self.session.add(row)
        self.session.flush()
        return task_response(row)
