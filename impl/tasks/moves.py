"""POST /api/v1/tasks/{task_id}/move: a task's new list, parent and place among its siblings.

The new rank is computed between the two neighbours at the destination (impl/db/ranks.py), so
a move writes the task's row and nothing else; only when there is no room left between them
are the siblings given evenly spaced ranks again. The caller's tree is locked for the whole
unit of work (impl/tasks/tree.py), so concurrent moves into one gap are decided one after
another, each between the neighbours the previous one left.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Any

from generated.models import TaskMove
from impl.db import ranks
from impl.db.sql import Params, Query, Step, cached
from impl.http.problems import NotFound, ValidationFailed
from impl.tasks import repository
from impl.tasks.responses import StoredTask
from impl.tasks.tree import Placement, as_uuid, sibling_condition
from impl.tasks.writes import Change, TaskWriter

_ANCHOR = Query.of(
    "SELECT t.id, t.list_id, t.parent_id, t.rank FROM tasks t"
    " WHERE t.id = :anchor_id AND t.owner_id = :owner_id AND t.deleted_at IS NULL"
)
_REBALANCE = Query.of(
    "UPDATE tasks SET rank = :rank, version = version + 1, updated_at = :now"
    " WHERE id = :id AND owner_id = :owner_id"
)


class TaskMover:
    def __init__(self, writer: TaskWriter) -> None:
        self.writer = writer
        self.connection = writer.connection
        self.owner_id = writer.owner_id
        self.now = writer.now

    async def move(self, task: StoredTask, body: TaskMove) -> Change:
        values: dict[str, Any] = body.model_dump()
        given = set(body.model_fields_set)
        after_id, before_id = values["after_id"], values["before_id"]
        if after_id is not None and before_id is not None:
            raise ValidationFailed(
                [{"pointer": "/body/before_id", "detail": "Give after_id or before_id, not both."}]
            )
        if "list_id" in given and "parent_id" not in given:
            values["parent_id"] = None
            given.add("parent_id")
        placement = await self.writer.rules.place(task, values, given, pointer="/body")
        placement = placement or Placement(task.list_id, task.parent_id)
        field = "after_id" if after_id is not None else "before_id" if before_id is not None else None
        anchor_id: uuid.UUID | None = after_id or before_id
        params: Params = {"owner_id": self.owner_id, "task_id": task.id}
        if placement.list_id is not None:
            params["list_id"] = placement.list_id
        if placement.parent_id is not None:
            params["parent_id"] = placement.parent_id
        siblings = sibling_condition(placement)
        if field is None or anchor_id is None:
            last = await self._rank(siblings, "", "DESC", params)
            low, high = last, None
        else:
            anchor = await self._anchor(task, field, anchor_id, placement)
            params["anchor_rank"], params["anchor_id"] = anchor[3], anchor_id
            if field == "after_id":
                low = anchor[3]
                high = await self._rank(
                    siblings, " AND (t.rank, t.id) > (:anchor_rank, :anchor_id)", "ASC", params
                )
            else:
                low = await self._rank(
                    siblings, " AND (t.rank, t.id) < (:anchor_rank, :anchor_id)", "DESC", params
                )
                high = anchor[3]
        rank = ranks.between(low, high, now=self.now, salt=task.id)
        if rank is None:
            return await self._rebalanced(
                task, placement=placement, siblings=siblings, params=params, field=field, anchor_id=anchor_id
            )
        return self.writer.place(task, placement, rank)

    async def _anchor(
        self, task: StoredTask, field: str, anchor_id: uuid.UUID, placement: Placement
    ) -> tuple[Any, ...]:
        pointer = f"/body/{field}"
        if anchor_id == task.id:
            raise ValidationFailed(
                [{"pointer": pointer, "detail": "A task cannot be placed next to itself."}]
            )
        row = await self.connection.fetch_one(_ANCHOR, {"anchor_id": anchor_id, "owner_id": self.owner_id})
        if row is None:
            raise NotFound(
                "No task of yours has this id.",
                errors=[{"pointer": pointer, "detail": "No task with this id."}],
            )
        if Placement(as_uuid(row[1]), as_uuid(row[2])) != placement:
            raise ValidationFailed(
                [
                    {
                        "pointer": pointer,
                        "detail": f"{field} must be a sibling at the destination: a task with the same list "
                        "and parent.",
                    }
                ]
            )
        return tuple(row)

    async def _rank(self, siblings: str, seek: str, direction: str, params: Params) -> str | None:
        text = (
            f"SELECT t.rank FROM tasks t WHERE t.owner_id = :owner_id AND {siblings}"
            f" AND t.deleted_at IS NULL AND t.id <> :task_id{seek}"
            f" ORDER BY t.rank {direction}, t.id {direction} LIMIT 1"
        )
        row = await self.connection.fetch_one(cached(text), params)
        return None if row is None else str(row[0])

    async def _rebalanced(
        self,
        task: StoredTask,
        *,
        placement: Placement,
        siblings: str,
        params: Params,
        field: str | None,
        anchor_id: uuid.UUID | None,
    ) -> Change:
        """No room between the neighbours: every sibling gets an evenly spaced rank, in the
        same order, with the task at its place among them."""
        text = (
            f"SELECT {{columns}} FROM tasks t WHERE t.owner_id = :owner_id AND {siblings}"
            " AND t.deleted_at IS NULL AND t.id <> :task_id ORDER BY t.rank, t.id"
        )
        query = repository.task_query(text, self.connection, self.writer.caller)
        others = [StoredTask.from_row(row) for row in await self.connection.fetch_all(query, params)]
        order: list[StoredTask | None] = [*others]
        index = len(order)
        if anchor_id is not None:
            index = [other.id for other in others].index(anchor_id) + (1 if field == "after_id" else 0)
        order.insert(index, None)  # the task's own place
        spread = ranks.spread(len(order), now=self.now)
        change = self.writer.place(task, placement, spread[index])
        rows = []
        for sibling, rank in zip(order, spread, strict=True):
            if sibling is not None:
                rows.append({"id": sibling.id, "rank": rank, "now": self.now, "owner_id": self.owner_id})
                # Each sibling's new position (and ETag) reaches the event stream too.
                after = replace(sibling, rank=rank, version=sibling.version + 1, updated_at=self.now)
                change.others.append((sibling, after))
        if rows:
            change.steps.insert(0, Step(_REBALANCE, many=rows))
        return change
