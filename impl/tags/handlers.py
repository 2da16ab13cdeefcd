"""The `tags` operations: the caller's tags with how many tasks carry each, a page at a time."""

from __future__ import annotations

import uuid

from fastapi import Request

from generated.models import TagCount, TagList
from generated.routers.tags import TagsHandlers
from impl.auth.caller import CurrentCaller
from impl.auth.identity import Caller
from impl.db.database import Database
from impl.http.cursors import CursorCodec
from impl.tags import repository

# A tag page's cursor carries the last tag's key; tags have no id, and keys are unique per
# owner, so the nil UUID stands in the cursor's id slot.
CURSOR_QUERY = "tags"
NO_ID = uuid.UUID(int=0)


class TagsImpl(TagsHandlers):
    def __init__(self, database: Database, caller: Caller, cursors: CursorCodec) -> None:
        self.database = database
        self.caller = caller
        self.cursors = cursors

    @classmethod
    async def from_request(cls, request: Request, caller: CurrentCaller) -> TagsImpl:
        state = request.app.state
        return cls(state.database, caller, state.cursors)

    async def list_tags(self, *, limit: int, cursor: str | None) -> TagList:
        after = None
        if cursor is not None:
            value, _ = self.cursors.decode(cursor, query=CURSOR_QUERY)
            after = str(value)
        async with self.database.read() as connection:
            rows = await repository.count_tags(connection, self.caller, after=after, limit=limit + 1)
        page = rows[:limit]
        next_cursor = None
        if len(rows) > limit:
            next_cursor = self.cursors.encode(query=CURSOR_QUERY, value=page[-1][1], item_id=NO_ID)
        return TagList(
            items=[TagCount(name=name, count=count) for name, _, count in page], next_cursor=next_cursor
        )
