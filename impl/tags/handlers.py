from __future__ import annotations

from generated.models import TagCount, TagList
from generated.routers.tags import TagsHandlers
from impl.auth.dependencies import CurrentUser
from impl.db.sessions import SessionDep
from impl.tags import repository as tag_store


class TagsImpl(TagsHandlers):
    def __init__(self, session: SessionDep, user: CurrentUser) -> None:
        self.session = session
        self.owner_id = user.id

    def list_tags(self) -> TagList:
        counts = tag_store.count_tags(self.session, owner_id=self.owner_id)
        return TagList(items=[TagCount(name=name, count=count) for name, count in counts])
