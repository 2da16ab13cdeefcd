"""The `health` operations. Liveness touches nothing: it answers while the process can.
Readiness asks the dependencies (impl/health/readiness.py)."""

from __future__ import annotations

from fastapi import Request, Response

from generated.models import Health
from generated.routers.health import HealthHandlers
from impl.health.readiness import Readiness
from impl.http.problems import ServiceUnavailable

OK = b'{"status":"ok"}'


class HealthImpl(HealthHandlers):
    def __init__(self, readiness: Readiness) -> None:
        self.readiness = readiness

    @classmethod
    async def from_request(cls, request: Request) -> HealthImpl:
        return cls(request.app.state.readiness)

    async def get_liveness(self) -> Response:
        return Response(OK, media_type="application/json")

    async def get_readiness(self) -> Health | Response:
        problems = await self.readiness.check()
        if problems:
            raise ServiceUnavailable(" ".join(problems))
        return Response(OK, media_type="application/json")
