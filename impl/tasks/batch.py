"""POST /api/v1/tasks/batch: up to 100 creates, updates and deletes, all or nothing.

The tasks the batch names are locked first, in id order (two batches cannot deadlock each
other); the operations are then decided in order in Python, each on the task as the earlier
ones left it, and all their statements go to the database with COMMIT in one round trip. Any
failure (a ProblemError raised here) commits nothing; its JSON pointer names the operation.
"""

from __future__ import annotations

import uuid
from typing import Any

from generated.models import BatchCreate, BatchDelete, BatchUpdate, TaskBatch
from impl.auth.identity import Caller
from impl.db.database import Connection
from impl.db.sql import Step
from impl.http.conditional import etag, if_match_holds
from impl.http.problems import NotFound, PreconditionFailed
from impl.tasks import repository
from impl.tasks.responses import StoredTask, stored_json
from impl.tasks.writes import TaskWriter


class TaskBatchRunner:
    def __init__(self, connection: Connection, caller: Caller, writer: TaskWriter) -> None:
        self.connection = connection
        self.caller = caller
        self.writer = writer

    async def run(self, batch: TaskBatch) -> dict[str, Any]:
        """The `TaskBatchResult` document; the statements are committed when this returns."""
        named = {op.id for op in batch.operations if not isinstance(op, BatchCreate)}
        rows = await repository.lock_tasks(self.connection, self.caller, task_ids=named) if named else []
        tasks = {task.id: task for task in map(StoredTask.from_row, rows)}
        steps: list[Step] = []
        results = []
        for index, operation in enumerate(batch.operations):
            pointer = f"/body/operations/{index}"
            if isinstance(operation, BatchCreate):
                change = self.writer.create(operation.task.model_dump(), pointer=f"{pointer}/task")
            elif isinstance(operation, BatchUpdate):
                before = self._target(tasks, operation, pointer)
                changes = operation.changes
                given = set(changes.model_fields_set)
                change = self.writer.update(before, changes.model_dump(), given, pointer=f"{pointer}/changes")
            else:
                change = self.writer.delete(self._target(tasks, operation, pointer))
            tasks[change.task.id] = change.task
            if change.spawned is not None:
                tasks[change.spawned.id] = change.spawned
            steps.extend(change.steps)
            # The task as this operation left it (a later operation may change it again).
            task = None if isinstance(operation, BatchDelete) else stored_json(change.task)
            results.append({"op": operation.op, "id": change.task.id, "task": task})
        repository.check_inserts(steps, await self.connection.run(*steps, commit=True))
        return {"results": results}

    def _target(
        self, tasks: dict[uuid.UUID, StoredTask], operation: BatchUpdate | BatchDelete, pointer: str
    ) -> StoredTask:
        index = pointer.rsplit("/", 1)[-1]
        task = tasks.get(operation.id)
        if task is None or task.deleted_at is not None:
            raise NotFound(
                f"Operation {index} names no task of yours; nothing was applied.",
                errors=[{"pointer": f"{pointer}/id", "detail": "No task with this id."}],
            )
        if not if_match_holds(operation.if_match, task.version):
            current = etag(task.version)
            raise PreconditionFailed(
                f"Operation {index}: the task has changed (it is now {current}); nothing was applied.",
                errors=[{"pointer": f"{pointer}/if_match", "detail": f"The task is now {current}."}],
            )
        return task
