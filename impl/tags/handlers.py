"""The `tags` operations: the caller's tags with how many tasks carry each, a page at a time."""

from __future__ import annotations

import uuid

from generated.models import TagCount, TagList
from generated.routers.tags import TagsHandlers
from impl.auth.dependencies import CurrentUser
from impl.db.sessions import SessionDep
from impl.http.cursors import CursorsDep
from impl.tags import repository as tag_store

# A tag page's cursor carries the last tag's key; tags have no id, and keys are unique per
# owner, so the nil UUID stands in the cursor's id slot.
CURSOR_QUERY = "tags"
NO_ID = uuid.UUID(int=0)


class TagsImpl(TagsHandlers):
    def __init__(self, session: SessionDep, user: CurrentUser, cursors: CursorsDep) -> None:
        self.session = session
        self.owner_id = user.id
        self.cursors = cursors

    def list_tags(self, *, limit: int, cursor: str | None) -> TagList:
        after = None
        if cursor is not None:
            value, _ = self.cursors.decode(cursor, query=CURSOR_QUERY)
            after = str(value)
        rows = tag_store.count_tags(self.session, owner_id=self.owner_id, after=after, limit=limit + 1)
        page = rows[:limit]
        next_cursor = None
        if len(rows) > limit:
            next_cursor = self.cursors.encode(query=CURSOR_QUERY, value=page[-1][1], item_id=NO_ID)
        return TagList(
            items=[TagCount(name=name, count=count) for name, _, count in page], next_cursor=next_cursor
        )
