"""Changes to the caller's tasks, decided in Python: the task as it will be, and the statements
that make it so (sent by the caller of these functions, with COMMIT, in one round trip).

Shared by the single-task operations and the batch operation. A change starts from the task
as locked by the unit of work (`before`), so nothing another request wrote in between can be
lost; every change increments the version, which is the task's ETag.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime

from impl.auth.identity import Caller
from impl.db import ranks
from impl.db.database import Connection
from impl.db.sql import Params, Step
from impl.tasks import fields as task_fields
from impl.tasks import recurrence, repository, tree
from impl.tasks.change_log import logged_steps
from impl.tasks.fields import PRIORITY_RANKS, TaskFields, column_values
from impl.tasks.responses import StoredTask
from impl.tasks.tree import Placement


@dataclass
class Change:
    task: StoredTask  # as the statements leave it
    steps: list[Step] = field(default_factory=list)
    # The next occurrence of a recurring task that this change completed.
    spawned: StoredTask | None = None
    # Set by the writer when the change writes the task: `finish` logs it, as `before` → `task`.
    logged: bool = False
    before: StoredTask | None = None
    # Other tasks the change writes whole (copied subtasks, rebalanced siblings): their
    # (before, after), logged by `finish` too.
    others: list[tuple[StoredTask | None, StoredTask]] = field(default_factory=list)


_LIST_TASKS = (
    "SELECT {columns} FROM tasks t WHERE t.owner_id = :owner_id AND t.list_id = :list_id"
    " AND t.deleted_at IS NULL ORDER BY t.id"
)


class TaskWriter:
    """Cascades to subtasks are sent only for a task whose `subtask_count` (read under the
    owner's lock, which every write that adds a subtask takes too) says it has any: a leaf's
    completion or deletion costs no subtree statement and no subtree read."""

    def __init__(self, connection: Connection, caller: Caller, *, now: datetime) -> None:
        self.connection = connection
        self.caller = caller
        self.owner_id = caller.user_id
        self.now = now
        self.rules = tree.TreeRules(connection, caller)

    def create(self, values: Mapping[str, object], *, pointer: str, placement: Placement | None) -> Change:
        fields = task_fields.checked(
            task_fields.from_body(values, set(task_fields.WRITABLE)), pointer=pointer
        )
        task = self._new_task(fields, placement or Placement(None, None))
        change = Change(task)
        task, change.spawned = self._completion(task, bool(values.get("completed")), fields)
        change.task = task
        change.steps.append(self._insert(task))
        change.steps.extend(self._tag_steps(task, replace_existing=False))
        if change.spawned is not None:
            self._add_spawned(change)
        return self._logged(None, change)

    def replace(
        self, before: StoredTask, values: Mapping[str, object], *, pointer: str, placement: Placement | None
    ) -> Change:
        fields = task_fields.checked(
            task_fields.from_body(values, set(task_fields.WRITABLE)), pointer=pointer
        )
        return self._save(before, fields, completed=bool(values["completed"]), placement=placement)

    def update(
        self,
        before: StoredTask,
        values: Mapping[str, object],
        given: set[str],
        *,
        pointer: str,
        placement: Placement | None,
    ) -> Change:
        """Apply the `given` fields of a partial update; nothing given changes nothing."""
        if not given:
            return Change(before)
        base = task_fields.from_stored(before)
        fields = task_fields.checked(task_fields.from_body(values, given, base), pointer=pointer)
        completed = bool(values["completed"]) if "completed" in given else before.completed
        return self._save(before, fields, completed=completed, placement=placement)

    def place(self, before: StoredTask, placement: Placement, rank: str) -> Change:
        """Put the task at `rank` among the siblings of `placement` (its subtasks follow it to
        another list)."""
        task = replace(
            before,
            list_id=placement.list_id,
            parent_id=placement.parent_id,
            rank=rank,
            version=before.version + 1,
            updated_at=self.now,
        )
        values = column_values(task_fields.from_stored(before))
        change = Change(task, [Step(repository.UPDATE, self._update_params(task, values))])
        change.steps.extend(self._subtree_list_steps(before, task))
        return self._logged(before, change)

    def complete(self, before: StoredTask) -> Change:
        return self._save(before, task_fields.from_stored(before), completed=True)

    def reopen(self, before: StoredTask) -> Change:
        return self._save(before, task_fields.from_stored(before), completed=False)

    def delete(self, before: StoredTask) -> Change:
        """Leave a tombstone: the row stays for delta sync until it is purged, but what the
        user wrote is gone now (a tombstone shows only its id and deleted_at)."""
        task = self._tombstone(before)
        change = Change(
            task,
            [
                Step(repository.UPDATE, self._update_params(task, column_values(TaskFields(title="")))),
                Step(repository.DELETE_TAGS, {"task_id": task.id, "owner_id": self.owner_id}),
            ],
        )
        if before.subtask_count:
            # Its subtasks at every level go with it, each leaving a tombstone.
            subtree = {"task_id": task.id, "owner_id": self.owner_id}
            change.steps.append(Step(tree.DELETE_SUBTREE_TAGS, subtree))
            change.steps.append(
                Step(
                    tree.DELETE_SUBTREE,
                    {**subtree, "now": self.now, "empty_search_key": task_fields.search_key("", None)},
                )
            )
        return self._logged(before, change)

    def _tombstone(self, task: StoredTask) -> StoredTask:
        return replace(
            task,
            title="",
            description=None,
            priority=0,
            due_at=None,
            remind_at=None,
            recurrence=None,
            title_key="",
            tags=[],
            version=task.version + 1,
            updated_at=self.now,
            deleted_at=self.now,
        )

    def _save(
        self, before: StoredTask, fields: TaskFields, *, completed: bool, placement: Placement | None = None
    ) -> Change:
        values = column_values(fields)
        original = before
        if placement is not None and placement != Placement(before.list_id, before.parent_id):
            # New siblings: last among them.
            before = replace(
                before,
                list_id=placement.list_id,
                parent_id=placement.parent_id,
                rank=ranks.clock_rank(self.now, before.id),
            )
        task = replace(
            before,
            title=fields.title,
            description=fields.description,
            priority=PRIORITY_RANKS[fields.priority],
            due_at=fields.due_at,
            remind_at=fields.remind_at,
            recurrence=fields.recurrence,
            title_key=str(values["title_key"]),
            tags=_sorted_tags(fields.tags) if "tags" in fields.given else before.tags,
            version=before.version + 1,
            updated_at=self.now,
        )
        task, spawned = self._completion(task, completed, fields, was_completed=before.completed)
        change = Change(task, [Step(repository.UPDATE, self._update_params(task, values))], spawned)
        if task.list_id != original.list_id:
            change.steps.extend(self._subtree_list_steps(original, task))
        if task.completed and not original.completed and original.subtask_count:
            # Completing a parent completes its open subtasks (reopening it reopens none).
            change.steps.append(
                Step(tree.COMPLETE_SUBTREE, {"task_id": task.id, "owner_id": self.owner_id, "now": self.now})
            )
            change.task = task = replace(task, completed_subtask_count=task.subtask_count)
        if "tags" in fields.given:
            change.steps.extend(self._tag_steps(task, replace_existing=True))
        if spawned is not None:
            self._add_spawned(change)
        return self._logged(before, change)

    def _logged(self, before: StoredTask | None, change: Change) -> Change:
        """Every write ends here: `finish` adds its change-log entries (and the task's
        reminder) to its statements, to commit in the same transaction."""
        change.logged, change.before = True, before
        return change

    def _completion(
        self, task: StoredTask, completed: bool, fields: TaskFields, *, was_completed: bool = False
    ) -> tuple[StoredTask, StoredTask | None]:
        """Completing a recurring task creates its next occurrence (at most once per task)."""
        if not completed:
            return replace(task, completed=False, completed_at=None), None
        if was_completed:
            return replace(task, completed=True), None
        task = replace(task, completed=True, completed_at=self.now)
        if task.recurrence is None or task.due_at is None or task.next_occurrence_id is not None:
            return task, None
        spawned = self._next_occurrence(task, fields)
        if spawned is None:
            return task, None
        return replace(task, next_occurrence_id=spawned.id), spawned

    def _next_occurrence(self, task: StoredTask, fields: TaskFields) -> StoredTask | None:
        assert task.recurrence is not None
        assert task.due_at is not None
        occurrence = recurrence.next_occurrence(
            task.recurrence, anchor=task.due_at, after=max(task.due_at, self.now)
        )
        if occurrence is None:
            return None
        remind_at = None
        if task.remind_at is not None:
            try:
                remind_at = occurrence.due_at - (task.due_at - task.remind_at)
            except OverflowError:
                remind_at = None
        following = TaskFields(
            title=fields.title,
            description=fields.description,
            priority=fields.priority,
            tags=fields.tags,
            due_at=occurrence.due_at,
            remind_at=remind_at,
            recurrence=occurrence.recurrence,
        )
        return self._new_task(following, Placement(task.list_id, task.parent_id))

    async def copy_subtasks(self, change: Change) -> None:
        """A recurring parent's next occurrence gets fresh copies of its subtasks: open, in the
        same order and shape, with their title, description, priority and tags."""
        if change.spawned is None:
            return
        rows = await self.connection.fetch_all(
            tree.subtree_step(self.connection, self.caller, change.task.id).query,
            {"task_id": change.task.id, "owner_id": self.owner_id},
        )
        new_ids: dict[uuid.UUID, uuid.UUID] = {change.task.id: change.spawned.id}
        direct = 0
        for row in rows:
            original = StoredTask.from_row(row)
            if original.parent_id not in new_ids:
                continue
            fields = task_fields.from_stored(original)
            copy = self._new_task(
                TaskFields(
                    title=fields.title,
                    description=fields.description,
                    priority=fields.priority,
                    tags=fields.tags,
                ),
                Placement(change.spawned.list_id, new_ids[original.parent_id]),
            )
            copy = replace(copy, rank=original.rank)
            new_ids[original.id] = copy.id
            direct += original.parent_id == change.task.id
            change.steps.append(self._insert(copy))
            change.steps.extend(self._tag_steps(copy, replace_existing=False))
            change.others.append((None, copy))
        change.spawned = replace(change.spawned, subtask_count=direct)

    async def finish(self, change: Change) -> None:
        """The last step of every change before its statements are sent: a recurring parent's
        subtasks copied, then the change-log entries of the task, its next occurrence, the
        other tasks it writes and the subtasks a cascade changes (read before it is sent)."""
        await self.copy_subtasks(change)
        if change.logged:
            change.steps.extend(
                logged_steps(
                    self.connection,
                    owner_id=self.owner_id,
                    before=change.before,
                    after=change.task,
                    spawned=change.spawned,
                    now=self.now,
                )
            )
        for before, after in change.others:
            change.steps.extend(self._entries(before, after))
        await self.log_subtree(change)

    async def log_subtree(self, change: Change) -> None:
        """Subtasks that a cascade changes (completed with their parent, moved to its list,
        deleted with it) get their change-log entries and reminders in the same transaction,
        as if each had been written on its own. Reads them before the cascade is sent."""
        cascades = [step.query for step in change.steps if step.query in tree.SUBTREE_WRITES]
        if not cascades:
            return
        rows = await self.connection.fetch_all(
            tree.subtree_step(self.connection, self.caller, change.task.id).query,
            {"task_id": change.task.id, "owner_id": self.owner_id},
        )
        for row in rows:
            before = StoredTask.from_row(row)
            after = before
            for query in cascades:
                after = self._cascaded(after, query, parent=change.task)
            if after is not before:
                change.steps.extend(self._entries(before, after))

    async def log_list_removal(self, list_id: uuid.UUID, *, delete: bool) -> list[Step]:
        """Change-log entries (and reminders) for the live tasks of a list being deleted: each
        a tombstone (`delete`) or moved to the inbox, as the list's statements leave them.
        Read before those statements are sent."""
        rows = await self.connection.fetch_all(
            repository.task_query(_LIST_TASKS, self.connection, self.caller),
            {"owner_id": self.owner_id, "list_id": list_id},
        )
        steps: list[Step] = []
        for row in rows:
            before = StoredTask.from_row(row)
            after = (
                self._tombstone(before)
                if delete
                else replace(before, list_id=None, version=before.version + 1, updated_at=self.now)
            )
            steps += self._entries(before, after)
        return steps

    def _entries(self, before: StoredTask | None, after: StoredTask) -> list[Step]:
        """The change-log entry (and reminder statements) of one task that changed."""
        return logged_steps(
            self.connection, owner_id=self.owner_id, before=before, after=after, spawned=None, now=self.now
        )

    def _cascaded(self, task: StoredTask, query: object, *, parent: StoredTask) -> StoredTask:
        """A subtask as one of tree.SUBTREE_WRITES leaves it (the same columns as its SQL)."""
        if task.deleted_at is not None:
            return task
        if query is tree.DELETE_SUBTREE:
            return self._tombstone(task)
        if query is tree.COMPLETE_SUBTREE and not task.completed:
            done = task.subtask_count
            return replace(
                task,
                completed=True,
                completed_at=self.now,
                completed_subtask_count=done,
                version=task.version + 1,
                updated_at=self.now,
            )
        if query is tree.MOVE_SUBTREE:
            return replace(task, list_id=parent.list_id, version=task.version + 1, updated_at=self.now)
        return task

    def _subtree_list_steps(self, before: StoredTask, task: StoredTask) -> list[Step]:
        if task.list_id == before.list_id or not before.subtask_count:
            return []
        params = {"task_id": task.id, "owner_id": self.owner_id, "list_id": task.list_id, "now": self.now}
        return [Step(tree.MOVE_SUBTREE, params)]

    def _new_task(self, fields: TaskFields, placement: Placement) -> StoredTask:
        values = column_values(fields)
        task_id = uuid.uuid4()
        return StoredTask(
            id=task_id,
            title=fields.title,
            description=fields.description,
            completed=False,
            completed_at=None,
            priority=PRIORITY_RANKS[fields.priority],
            due_at=fields.due_at,
            remind_at=fields.remind_at,
            recurrence=fields.recurrence,
            next_occurrence_id=None,
            version=1,
            created_at=self.now,
            updated_at=self.now,
            deleted_at=None,
            title_key=str(values["title_key"]),
            tags=_sorted_tags(fields.tags),
            list_id=placement.list_id,
            parent_id=placement.parent_id,
            rank=ranks.clock_rank(self.now, task_id),
            subtask_count=0,
            completed_subtask_count=0,
        )

    def _insert(self, task: StoredTask) -> Step:
        values = column_values(task_fields.from_stored(task))
        return repository.insert(
            self.connection,
            self.caller,
            {
                **values,
                "id": task.id,
                "completed": task.completed,
                "completed_at": task.completed_at,
                "next_occurrence_id": task.next_occurrence_id,
                "now": self.now,
                "list_id": task.list_id,
                "parent_id": task.parent_id,
                "rank": task.rank,
            },
        )

    def _add_spawned(self, change: Change) -> None:
        assert change.spawned is not None
        change.steps.append(self._insert(change.spawned))
        change.steps.extend(self._tag_steps(change.spawned, replace_existing=False))

    def _tag_steps(self, task: StoredTask, *, replace_existing: bool) -> list[Step]:
        steps = []
        if replace_existing:
            steps.append(Step(repository.DELETE_TAGS, {"task_id": task.id, "owner_id": self.owner_id}))
        if task.tags:
            rows = repository.tag_rows(task_id=task.id, owner_id=self.owner_id, names=task.tags)
            steps.append(Step(repository.INSERT_TAG, many=rows))
        return steps

    def _update_params(self, task: StoredTask, values: Mapping[str, object]) -> Params:
        return {
            **values,
            "task_id": task.id,
            "owner_id": self.owner_id,
            "completed": task.completed,
            "completed_at": task.completed_at,
            "next_occurrence_id": task.next_occurrence_id,
            "version": task.version,
            "now": self.now,
            "deleted_at": task.deleted_at,
            "list_id": task.list_id,
            "parent_id": task.parent_id,
            "rank": task.rank,
        }


def _sorted_tags(names: tuple[str, ...]) -> list[str]:
    # As the database lists them: by name_key (case-folded, compared by code point).
    return sorted(names, key=str.casefold)
