"""POST /api/v1/tasks/batch: up to 100 creates, updates and deletes, all or nothing.

The tasks the batch names are locked first, in id order (two batches cannot deadlock each
other); the operations are then decided in order in Python, each on the task as the earlier
ones left it, and all their statements go to the database with COMMIT in one round trip. Any
failure (a ProblemError raised here) commits nothing; its JSON pointer names the operation.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Any

from generated.models import BatchCreate, BatchDelete, BatchUpdate, TaskBatch
from impl.auth.identity import Caller, revoked
from impl.db.database import Connection
from impl.db.sql import Step
from impl.http.conditional import etag, if_match_holds
from impl.http.problems import NotFound, PreconditionFailed
from impl.tasks import repository, tree
from impl.tasks.responses import StoredTask, stored_json
from impl.tasks.writes import TaskWriter


class TaskBatchRunner:
    def __init__(self, connection: Connection, caller: Caller, writer: TaskWriter) -> None:
        self.connection = connection
        self.caller = caller
        self.writer = writer

    async def run(self, batch: TaskBatch) -> dict[str, Any]:
        """The `TaskBatchResult` document; the statements are committed when this returns."""
        (owner,) = await self.connection.run(tree.owner_lock_step(self.connection, self.caller))
        if not owner.rows:
            raise revoked()
        named = {op.id for op in batch.operations if not isinstance(op, BatchCreate)}
        rows = await repository.lock_tasks(self.connection, self.caller, task_ids=named) if named else []
        tasks = {task.id: task for task in map(StoredTask.from_row, rows)}
        steps: list[Step] = []
        results = []

        async def flush() -> None:
            # What the tree rules read must include the earlier operations.
            if steps:
                repository.check_inserts(steps, await self.connection.run(*steps))
                steps.clear()

        for index, operation in enumerate(batch.operations):
            pointer = f"/body/operations/{index}"
            target = None if isinstance(operation, BatchCreate) else tasks.get(operation.id)
            previous_parent = target.parent_id if target is not None else None
            if isinstance(operation, BatchCreate):
                values, given = operation.task.model_dump(), set(operation.task.model_fields_set)
                if given & {"list_id", "parent_id"}:
                    await flush()
                placement = await self.writer.rules.place(None, values, given, pointer=f"{pointer}/task")
                change = self.writer.create(values, pointer=f"{pointer}/task", placement=placement)
            elif isinstance(operation, BatchUpdate):
                before = self._target(tasks, operation, pointer)
                changes = operation.changes
                values, given = changes.model_dump(), set(changes.model_fields_set)
                if given & {"list_id", "parent_id"}:
                    await flush()
                placement = await self.writer.rules.place(before, values, given, pointer=f"{pointer}/changes")
                change = self.writer.update(
                    before, values, given, pointer=f"{pointer}/changes", placement=placement
                )
            else:
                change = self.writer.delete(self._target(tasks, operation, pointer))
            cascading = any(step.query in tree.SUBTREE_WRITES for step in change.steps)
            if change.spawned is not None or cascading:
                # What it reads (subtasks to copy or to log) must include the earlier operations.
                await flush()
            await self.writer.finish(change)
            tasks[change.task.id] = change.task
            if change.spawned is not None:
                tasks[change.spawned.id] = change.spawned
            parent = tasks.get(change.task.parent_id) if change.task.parent_id is not None else None
            if parent is not None and change.task.parent_id != previous_parent:
                # A later operation on the parent must see its new subtask (to cascade to it).
                tasks[parent.id] = replace(parent, subtask_count=parent.subtask_count + 1)
            steps.extend(change.steps)
            if cascading:
                # Subtasks changed too: later operations start from them as they are now.
                await flush()
                fresh = await repository.lock_tasks(self.connection, self.caller, task_ids=list(tasks))
                tasks = {task.id: task for task in map(StoredTask.from_row, fresh)}
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
