"""The `health` operations. Liveness touches nothing: it answers while the process can."""

from __future__ import annotations

import asyncio

from fastapi import Request, Response

from generated.models import Health
from generated.routers.health import HealthHandlers
from impl.db.database import Database
from impl.db.errors import DatabaseError
from impl.db.sql import Query
from impl.http.problems import ServiceUnavailable

OK = b'{"status":"ok"}'
READINESS_TIMEOUT_SECONDS = 1.0
_PING = Query.of("SELECT 1")


class HealthImpl(HealthHandlers):
    def __init__(self, database: Database) -> None:
        self.database = database

    @classmethod
    async def from_request(cls, request: Request) -> HealthImpl:
        return cls(request.app.state.database)

    async def get_liveness(self) -> Response:
        return Response(OK, media_type="application/json")

    async def get_readiness(self) -> Health | Response:
        try:
            async with asyncio.timeout(READINESS_TIMEOUT_SECONDS):
                async with self.database.read() as connection:
                    await connection.fetch_one(_PING)
        except (TimeoutError, DatabaseError) as error:
            raise ServiceUnavailable("The database is not reachable.") from error
        return Response(OK, media_type="application/json")
