"""The caller's task tree: where a task may go (its list and parent), and the statements that
carry a change to a task over to its subtasks.

Every write that can change the tree (a create with a list or parent, an update, a move, a
completion, a delete, a batch) first locks the owner's row (`owner_lock_step`): one user's
tree changes are serialized on PostgreSQL as SQLite serializes every write, so two requests
can never each see a tree the other is changing (A under B and B under A at once, a subtask
added under a parent being completed, two moves into one gap). Other users never wait.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from impl.auth.identity import Caller
from impl.auth.owner_lock import owner_lock_step
from impl.db.database import Connection
from impl.db.sql import Query, Step
from impl.http.problems import NotFound, ValidationFailed
from impl.tasks.repository import task_query
from impl.tasks.responses import StoredTask

__all__ = ["MAX_DEPTH", "Placement", "TreeRules", "owner_lock_step"]

# A top-level task and three levels of subtasks below it.
MAX_DEPTH = 4
# Recursive queries stop here even if the data were ever cyclic.
_MAX_WALK = 16

_LIST_OWNED = Query.of(
    "SELECT id FROM lists WHERE id = :list_id AND owner_id = :owner_id AND deleted_at IS NULL"
)
# The parent and its ancestors, nearest first: (id, list_id, level above the parent).
_ANCESTORS = Query.of(
    "WITH RECURSIVE up(id, parent_id, list_id, depth) AS ("
    " SELECT id, parent_id, list_id, 1 FROM tasks"
    " WHERE id = :parent_id AND owner_id = :owner_id AND deleted_at IS NULL"
    " UNION ALL SELECT t.id, t.parent_id, t.list_id, up.depth + 1 FROM tasks t JOIN up ON t.id = up.parent_id"
    f" WHERE t.owner_id = :owner_id AND t.deleted_at IS NULL AND up.depth < {_MAX_WALK})"
    " SELECT id, list_id FROM up ORDER BY depth"
)
# How many levels the task's subtree has (1: no subtasks).
_HEIGHT = Query.of(
    "WITH RECURSIVE down(id, depth) AS ("
    " SELECT id, 1 FROM tasks WHERE id = :task_id AND owner_id = :owner_id"
    " UNION ALL SELECT t.id, down.depth + 1 FROM tasks t JOIN down ON t.parent_id = down.id"
    f" WHERE t.owner_id = :owner_id AND t.deleted_at IS NULL AND down.depth < {_MAX_WALK})"
    " SELECT MAX(depth) FROM down"
)
# The live subtasks of :task_id at every level (a fragment for `id IN (...)`).
DESCENDANTS = (
    "WITH RECURSIVE sub(id, depth) AS ("
    " SELECT id, 1 FROM tasks WHERE parent_id = :task_id AND owner_id = :owner_id AND deleted_at IS NULL"
    " UNION ALL SELECT c.id, sub.depth + 1 FROM tasks c JOIN sub ON c.parent_id = sub.id"
    f" WHERE c.owner_id = :owner_id AND c.deleted_at IS NULL AND sub.depth < {_MAX_WALK})"
    " SELECT id FROM sub"
)
COMPLETE_SUBTREE = Query.of(
    "UPDATE tasks SET completed = true, completed_at = :now, version = version + 1, updated_at = :now"
    f" WHERE owner_id = :owner_id AND completed = false AND id IN ({DESCENDANTS})"
)
MOVE_SUBTREE = Query.of(
    "UPDATE tasks SET list_id = :list_id, version = version + 1, updated_at = :now"
    f" WHERE owner_id = :owner_id AND id IN ({DESCENDANTS})"
)
DELETE_SUBTREE_TAGS = Query.of(
    f"DELETE FROM task_tags WHERE owner_id = :owner_id AND task_id IN ({DESCENDANTS})"
)
# What a delete leaves of a task: its id, its place and deleted_at (as TaskWriter.delete).
TOMBSTONE_SET = (
    "title = '', description = NULL, priority = 0, due_at = NULL, remind_at = NULL, recurrence = NULL,"
    " title_key = '', search_key = :empty_search_key, version = version + 1, updated_at = :now,"
    " deleted_at = :now"
)
DELETE_SUBTREE = Query.of(
    f"UPDATE tasks SET {TOMBSTONE_SET} WHERE owner_id = :owner_id AND id IN ({DESCENDANTS})"
)
SUBTREE_WRITES = (COMPLETE_SUBTREE, MOVE_SUBTREE, DELETE_SUBTREE)
_SUBTREE = (
    "WITH RECURSIVE sub(id, depth) AS ("
    " SELECT id, 1 FROM tasks WHERE parent_id = :task_id AND owner_id = :owner_id AND deleted_at IS NULL"
    " UNION ALL SELECT c.id, sub.depth + 1 FROM tasks c JOIN sub ON c.parent_id = sub.id"
    f" WHERE c.owner_id = :owner_id AND c.deleted_at IS NULL AND sub.depth < {_MAX_WALK})"
    " SELECT {columns} FROM sub JOIN tasks t ON t.id = sub.id ORDER BY sub.depth, t.rank, t.id"
)


def subtree_step(connection: Connection, caller: Caller, task_id: uuid.UUID) -> Step:
    """The task's live subtasks at every level, parents before children, siblings in order."""
    return Step(task_query(_SUBTREE, connection, caller), {"task_id": task_id, "owner_id": caller.user_id})


def as_uuid(value: object) -> uuid.UUID | None:
    """A UUID from a computed column (SQLite answers those as hex text)."""
    if value is None or isinstance(value, uuid.UUID):
        return value
    return uuid.UUID(str(value))


@dataclass(frozen=True)
class Placement:
    list_id: uuid.UUID | None
    parent_id: uuid.UUID | None


class TreeRules:
    """Decides where a task may go, reading the tree inside the caller's write (after
    `owner_lock_step`). 404 for a list or parent that is not the caller's, 422 for a place
    the rules forbid; the JSON pointer is under the caller's prefix."""

    def __init__(self, connection: Connection, caller: Caller) -> None:
        self.connection = connection
        self.owner_id = caller.user_id

    async def place(
        self,
        task: StoredTask | None,
        values: Mapping[str, object],
        given: Iterable[str],
        *,
        pointer: str,
    ) -> Placement | None:
        """Where `values` put the task (None: they say nothing about it). `task` is None for a
        task being created."""
        named = set(given) & {"list_id", "parent_id"}
        if not named:
            return None
        current = Placement(task.list_id, task.parent_id) if task is not None else Placement(None, None)
        parent_id = as_uuid(values["parent_id"]) if "parent_id" in named else current.parent_id
        wanted_list = as_uuid(values["list_id"]) if "list_id" in named else current.list_id
        if task is not None and Placement(wanted_list, parent_id) == current:
            return current
        if parent_id is None:
            if wanted_list is not None and not await self._list_owned(wanted_list):
                raise NotFound(
                    "No list of yours has this id.",
                    errors=[{"pointer": f"{pointer}/list_id", "detail": "No list with this id."}],
                )
            return Placement(wanted_list, None)
        ancestors = await self._ancestors(parent_id)
        if not ancestors:
            raise NotFound(
                "No task of yours has this id.",
                errors=[{"pointer": f"{pointer}/parent_id", "detail": "No task with this id."}],
            )
        parent_list = ancestors[0][1]

        def refuse(field: str, detail: str) -> ValidationFailed:
            return ValidationFailed([{"pointer": f"{pointer}/{field}", "detail": detail}])

        if task is not None and task.id in {ancestor for ancestor, _ in ancestors}:
            raise refuse("parent_id", "A task cannot be a subtask of itself or of one of its own subtasks.")
        height = await self._height(task.id) if task is not None else 1
        if len(ancestors) + height > MAX_DEPTH:
            raise refuse(
                "parent_id",
                f"Tasks nest at most {MAX_DEPTH} levels deep: under this parent the task"
                f"{' and its subtasks' if height > 1 else ''} would be deeper.",
            )
        if "list_id" in named and wanted_list != parent_list:
            raise refuse("list_id", "A subtask is in its parent's list: omit list_id or give the parent's.")
        return Placement(parent_list, parent_id)

    async def _list_owned(self, list_id: uuid.UUID) -> bool:
        params = {"list_id": list_id, "owner_id": self.owner_id}
        return await self.connection.fetch_one(_LIST_OWNED, params) is not None

    async def _ancestors(self, parent_id: uuid.UUID) -> list[tuple[uuid.UUID | None, uuid.UUID | None]]:
        rows = await self.connection.fetch_all(
            _ANCESTORS, {"parent_id": parent_id, "owner_id": self.owner_id}
        )
        return [(as_uuid(row[0]), as_uuid(row[1])) for row in rows]

    async def _height(self, task_id: uuid.UUID) -> int:
        row = await self.connection.fetch_one(_HEIGHT, {"task_id": task_id, "owner_id": self.owner_id})
        return int(row[0] or 1) if row is not None else 1


def sibling_condition(placement: Placement) -> str:
    """SQL for "t is a sibling at this placement" (with :list_id / :parent_id as needed)."""
    list_part = "t.list_id IS NULL" if placement.list_id is None else "t.list_id = :list_id"
    parent_part = "t.parent_id IS NULL" if placement.parent_id is None else "t.parent_id = :parent_id"
    return f"{list_part} AND {parent_part}"
