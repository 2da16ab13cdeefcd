from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from generated.models import Health
from generated.routers.health import HealthHandlers
from impl.db.sessions import SessionDep
from impl.http.problems import ServiceUnavailable


class HealthImpl(HealthHandlers):
    def __init__(self, session: SessionDep) -> None:
        self.session = session

    def get_liveness(self) -> Health:
        return Health(status="ok")

    def get_readiness(self) -> Health:
        try:
            self.session.exec(text("SELECT 1"))  # type: ignore[call-overload]
        except SQLAlchemyError as error:
            raise ServiceUnavailable("The database is not reachable.") from error
        return Health(status="ok")
