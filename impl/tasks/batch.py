"""POST /api/v1/tasks/batch: up to 100 creates, updates and deletes, all or nothing.

The operations run in order in the request's transaction, so any failure (a ProblemError raised
here) rolls every one of them back; its JSON pointer names the operation. The tasks the batch
changes are locked first, in id order, so that two batches cannot deadlock each other.
"""

from __future__ import annotations

import uuid

from sqlmodel import Session, col, select

from generated.models import BatchCreate, BatchDelete, BatchResult, BatchUpdate, TaskBatch, TaskBatchResult
from impl.db.tables import TaskRow
from impl.http.conditional import etag, if_match_holds
from impl.http.problems import NotFound, PreconditionFailed
from impl.tasks.responses import task_response
from impl.tasks.writes import TaskWriter


class TaskBatchRunner:
    def __init__(self, session: Session, writer: TaskWriter) -> None:
        self.session = session
        self.writer = writer

    def run(self, batch: TaskBatch) -> TaskBatchResult:
        targets = self._lock({op.id for op in batch.operations if not isinstance(op, BatchCreate)})
        results = []
        for index, operation in enumerate(batch.operations):
            pointer = f"/body/operations/{index}"
            if isinstance(operation, BatchCreate):
                row = self.writer.create(operation.task.model_dump(), pointer=f"{pointer}/task")
            elif isinstance(operation, BatchUpdate):
                row = self._target(targets, operation, pointer)
                changes = operation.changes
                given = set(changes.model_fields_set)
                self.writer.update(row, changes.model_dump(), given, pointer=f"{pointer}/changes")
            else:
                row = self._target(targets, operation, pointer)
                self.writer.delete(row)
                results.append(BatchResult(op="delete", id=row.id, task=None))
                continue
            # The task as this operation left it (a later operation may change it again).
            task = task_response(row, self.writer.tags_of(row))
            results.append(BatchResult(op=operation.op, id=row.id, task=task))
        return TaskBatchResult(results=results)

    def _lock(self, task_ids: set[uuid.UUID]) -> dict[uuid.UUID, TaskRow]:
        if not task_ids:
            return {}
        query = (
            select(TaskRow)
            .where(col(TaskRow.id).in_(task_ids), TaskRow.owner_id == self.writer.owner_id)
            .order_by(col(TaskRow.id))
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return {row.id: row for row in self.session.exec(query)}

    def _target(
        self, targets: dict[uuid.UUID, TaskRow], operation: BatchUpdate | BatchDelete, pointer: str
    ) -> TaskRow:
        index = pointer.rsplit("/", 1)[-1]
        row = targets.get(operation.id)
        if row is None or row.deleted_at is not None:
            raise NotFound(
                f"Operation {index} names no task of yours; nothing was applied.",
                errors=[{"pointer": f"{pointer}/id", "detail": "No task with this id."}],
            )
        if not if_match_holds(operation.if_match, row.version):
            current = etag(row.version)
            raise PreconditionFailed(
                f"Operation {index}: the task has changed (it is now {current}); nothing was applied.",
                errors=[{"pointer": f"{pointer}/if_match", "detail": f"The task is now {current}."}],
            )
        return row
