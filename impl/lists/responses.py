"""What a list looks like on the wire, built once from a row of LIST_COLUMNS."""

from __future__ import annotations

from typing import Any

Row = tuple[Any, ...]


def list_json(row: Row) -> dict[str, Any]:
    list_id, name, color, rank, version, created_at, updated_at, deleted_at, open_count, done_count = row
    # `object` is the contract's discriminator between a list and a tombstone (TaskListPageItem).
    if deleted_at is not None:
        return {"object": "list_tombstone", "id": list_id, "deleted": True, "deleted_at": deleted_at}
    return {
        "object": "list",
        "id": list_id,
        "name": name,
        "color": color,
        "position": rank,
        "open_task_count": open_count or 0,
        "completed_task_count": done_count or 0,
        "etag": f'"{version}"',
        "created_at": created_at,
        "updated_at": updated_at,
    }
