"""Changes to one owner's tasks inside the request's transaction, shared by the single-task
operations and the batch operation. Every change of a task row is flushed as one conditional
UPDATE (`... WHERE id = ? AND version = ?`, see TaskRow's version column)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime

from sqlmodel import Session

from impl.db.tables import TaskRow
from impl.tasks import fields as task_fields
from impl.tasks import recurrence
from impl.tasks import repository as task_store
from impl.tasks import tag_queries as tag_store
from impl.tasks.fields import TaskFields


class TaskWriter:
    def __init__(self, session: Session, *, owner_id: uuid.UUID, now: datetime) -> None:
        self.session = session
        self.owner_id = owner_id
        self.now = now

    def tags_of(self, row: TaskRow) -> list[str]:
        return tag_store.tags_by_task(self.session, owner_id=self.owner_id, task_ids=[row.id])[row.id]

    def create(self, values: Mapping[str, object], *, pointer: str) -> TaskRow:
        fields = task_fields.checked(
            task_fields.from_body(values, set(task_fields.WRITABLE)), pointer=pointer
        )
        row = TaskRow(
            owner_id=self.owner_id,
            title=fields.title,
            title_key="",
            search_key="",
            created_at=self.now,
            updated_at=self.now,
        )
        task_fields.write(row, fields)
        self.session.add(row)
        spawned = self._set_completed(row, bool(values.get("completed")), fields)
        task_store.create_task(self.session, task=row)
        self._write_tags(row, fields, spawned)
        return row

    def replace(self, row: TaskRow, values: Mapping[str, object], *, pointer: str) -> TaskRow:
        fields = task_fields.checked(
            task_fields.from_body(values, set(task_fields.WRITABLE)), pointer=pointer
        )
        return self._save(row, fields, completed=bool(values["completed"]))

    def update(self, row: TaskRow, values: Mapping[str, object], given: set[str], *, pointer: str) -> TaskRow:
        """Apply the `given` fields of a partial update; nothing given changes nothing."""
        if not given:
            return row
        base = task_fields.from_row(row, self.tags_of(row))
        fields = task_fields.checked(task_fields.from_body(values, given, base), pointer=pointer)
        completed = bool(values["completed"]) if "completed" in given else row.completed
        return self._save(row, fields, completed=completed)

    def complete(self, row: TaskRow) -> TaskRow:
        fields = task_fields.from_row(row, self.tags_of(row))
        return self._save(row, fields, completed=True)

    def reopen(self, row: TaskRow) -> TaskRow:
        fields = task_fields.from_row(row, self.tags_of(row))
        return self._save(row, fields, completed=False)

    def delete(self, row: TaskRow) -> None:
        """Leave a tombstone: the row stays for delta sync until it is purged, but what the
        user wrote is gone now (a tombstone shows only its id and deleted_at)."""
        task_fields.write(row, TaskFields(title=""))
        row.deleted_at = self.now
        row.updated_at = self.now
        self.session.add(row)
        self.session.flush()
        tag_store.set_tags(self.session, owner_id=self.owner_id, task_id=row.id, names=())

    def _save(self, row: TaskRow, fields: TaskFields, *, completed: bool) -> TaskRow:
        task_fields.write(row, fields)
        spawned = self._set_completed(row, completed, fields)
        row.updated_at = self.now
        self.session.add(row)
        self.session.flush()  # the conditional UPDATE; StaleDataError if another write won
        self._write_tags(row, fields, spawned)
        return row

    def _set_completed(self, row: TaskRow, completed: bool, fields: TaskFields) -> TaskRow | None:
        """Completing a recurring task creates its next occurrence (at most once per task)."""
        was_completed = row.completed
        row.completed = completed
        if not completed:
            row.completed_at = None
            return None
        if was_completed:
            return None
        row.completed_at = self.now
        if row.recurrence is None or row.due_at is None or row.next_occurrence_id is not None:
            return None
        return self._next_occurrence(row, fields)

    def _next_occurrence(self, row: TaskRow, fields: TaskFields) -> TaskRow | None:
        assert row.recurrence is not None
        assert row.due_at is not None
        occurrence = recurrence.next_occurrence(
            row.recurrence, anchor=row.due_at, after=max(row.due_at, self.now)
        )
        if occurrence is None:
            return None
        remind_at = None
        if row.remind_at is not None:
            try:
                remind_at = occurrence.due_at - (row.due_at - row.remind_at)
            except OverflowError:
                remind_at = None
        following = TaskRow(
            owner_id=self.owner_id,
            title=row.title,
            title_key="",
            search_key="",
            created_at=self.now,
            updated_at=self.now,
        )
        task_fields.write(
            following,
            TaskFields(
                title=fields.title,
                description=fields.description,
                priority=fields.priority,
                tags=fields.tags,
                due_at=occurrence.due_at,
                remind_at=remind_at,
                recurrence=occurrence.recurrence,
            ),
        )
        self.session.add(following)
        row.next_occurrence_id = following.id
        return following

    def _write_tags(self, row: TaskRow, fields: TaskFields, spawned: TaskRow | None) -> None:
        if "tags" in fields.given:
            tag_store.set_tags(self.session, owner_id=self.owner_id, task_id=row.id, names=fields.tags)
        if spawned is not None:
            self.session.flush()
            tag_store.set_tags(self.session, owner_id=self.owner_id, task_id=spawned.id, names=fields.tags)
