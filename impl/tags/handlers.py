"""The `tags` operations."""

from __future__ import annotations

from fastapi import Request

from generated.models import TagCount, TagList
from generated.routers.tags import TagsHandlers
from impl.auth.caller import CurrentCaller
from impl.auth.identity import Caller
from impl.db.database import Database
from impl.tags import repository


class TagsImpl(TagsHandlers):
    def __init__(self, database: Database, caller: Caller) -> None:
        self.database = database
        self.caller = caller

    @classmethod
    async def from_request(cls, request: Request, caller: CurrentCaller) -> TagsImpl:
        return cls(request.app.state.database, caller)

    async def list_tags(self) -> TagList:
        async with self.database.read() as connection:
            counts = await repository.count_tags(connection, self.caller)
        return TagList(items=[TagCount(name=name, count=count) for name, count in counts])
