"""Expected database failures are 503 problems with Retry-After, not 500s: the database
refusing or dropping connections, the pool staying exhausted, a statement or lock timeout,
SQLite staying locked past its busy timeout. Each is logged as one line without a traceback
(repeats are summarised, see impl/ops/log_throttle.py); anything else is left to the 500 path.

The handlers are keyed on SQLAlchemy's exception classes and look at the driver error they
wrap (psycopg or sqlite3), so they hold for sync and async engines alike.
"""

from __future__ import annotations

import logging
import sqlite3

import psycopg
import psycopg.errors
from fastapi import FastAPI, Request
from sqlalchemy import exc as sa
from starlette.responses import Response

from impl.http.problems import (
    DatabaseBusy,
    DatabaseTimeout,
    DatabaseUnavailable,
    ServiceUnavailable,
    problem_response,
)
from impl.ops import metrics
from impl.ops.log_throttle import RepeatedFailures

logger = logging.getLogger("tasks_api.database")
failures = RepeatedFailures(logger)

# Waits that hit a configured bound: statement_timeout, lock_timeout, and the lock conflicts
# PostgreSQL resolves by aborting one side (deadlock, serialization failure): worth a retry.
POSTGRES_TIMEOUTS = (
    psycopg.errors.QueryCanceled,
    psycopg.errors.LockNotAvailable,
    psycopg.errors.TransactionRollback,
)
SQLITE_BUSY = ("database is locked", "database table is locked", "database is busy")


def classify(error: BaseException) -> type[ServiceUnavailable] | None:
    """The 503 problem an exception stands for, or None if it is not an expected outage."""
    if isinstance(error, sa.TimeoutError):  # no pooled connection within the pool timeout
        return DatabaseBusy
    if not isinstance(error, sa.DBAPIError):
        return None
    original = error.orig
    if isinstance(original, POSTGRES_TIMEOUTS):
        return DatabaseTimeout
    if isinstance(original, sqlite3.OperationalError):
        return DatabaseTimeout if str(original).lower().startswith(SQLITE_BUSY) else None
    if error.connection_invalidated or isinstance(
        original, psycopg.OperationalError | psycopg.InterfaceError
    ):
        # Connection refused or lost, the server shutting down or starting up, out of
        # connection slots or resources.
        return DatabaseUnavailable
    return None


def describe(error: BaseException) -> str:
    """The driver's first line: never SQL, never parameters."""
    original = getattr(error, "orig", None) or error
    lines = str(original).strip().splitlines()
    return f"{type(original).__name__}: {lines[0] if lines else ''}"[:300]


async def _on_database_error(request: Request, error: Exception) -> Response:
    problem_type = classify(error)
    if problem_type is None:
        raise error  # a bug, not an outage: the 500 path logs it with its traceback
    problem = problem_type()
    if problem_type is DatabaseBusy:
        metrics.DB_POOL_TIMEOUTS.inc()
    failures.report(
        problem.slug,
        "%s %s: %s (%s) [request_id=%s]",
        request.method,
        request.url.path,
        problem.slug,
        describe(error),
        request.scope.get("state", {}).get("request_id"),
    )
    return problem_response(problem, request)


def install_outage_handlers(app: FastAPI) -> None:
    app.add_exception_handler(sa.DBAPIError, _on_database_error)
    app.add_exception_handler(sa.TimeoutError, _on_database_error)
