from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from generated.models import Health
from generated.routers.health import HealthHandlers
from impl.health.readiness import Readiness
from impl.http.problems import ServiceUnavailable


def get_readiness_probe(request: Request) -> Readiness:
    probe: Readiness = request.app.state.readiness
    return probe


ReadinessDep = Annotated[Readiness, Depends(get_readiness_probe)]


class HealthImpl(HealthHandlers):
    def __init__(self, readiness: ReadinessDep) -> None:
        self.readiness = readiness

    def get_liveness(self) -> Health:
        return Health(status="ok")

    def get_readiness(self) -> Health:
        problems = self.readiness.check()
        if problems:
            raise ServiceUnavailable(" ".join(problems))
        return Health(status="ok")
