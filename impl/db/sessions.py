"""The request's unit of work as a FastAPI dependency: one session, committed or rolled back."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlmodel import Session

from impl.db.engine import session_scope

READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def get_session(request: Request) -> AsyncIterator[Session]:
    write = request.method not in READ_ONLY_METHODS
    async with session_scope(request.app.state.make_session, write=write) as session:
        yield session


# scope="function": commit before the response is sent, so a failed commit is a 500,
# never a success the client was told about.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
