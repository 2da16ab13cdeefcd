"""Start-up failures an operator can act on: one paragraph that says what is wrong, which
environment variable to change and what to do, instead of a traceback. Values are never
printed (pydantic's own message would show them, secrets included); a database URL appears
only with its password masked."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

from pydantic import ValidationError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError

from impl.settings import Settings, get_settings

EXIT_CONFIGURATION = 2
EXIT_UNAVAILABLE = 3


def masked_url(raw_url: str) -> str:
    try:
        return make_url(raw_url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(not a URL)"


def explain_settings(error: ValidationError) -> str:
    problems = []
    for item in error.errors(include_input=False, include_url=False):
        variable = "_".join(str(part) for part in item["loc"]).upper()
        message = item["msg"].removeprefix("Value error, ")
        problems.append(f"{variable}: {message}" if variable else message)
    return (
        "tasks-api cannot start: the configuration in the environment (or .env) is invalid. "
        + "; ".join(problems)
        + ". Set the variable(s) named here and start again; README.md, section "
        "'Configuration', lists every variable and its allowed values."
    )


def explain_database(error: BaseException, database_url: str) -> str:
    original = getattr(error, "orig", None) or error
    lines = str(original).strip().splitlines()
    reason = lines[0] if lines else type(original).__name__
    return (
        f"tasks-api cannot start: the database at {masked_url(database_url)} (DATABASE_URL) "
        f"cannot be used: {reason}. Check that the server is running and reachable from here, "
        "and that DATABASE_URL names the right host, port, database, user and password."
    )


def load_settings() -> Settings:
    """The settings, or exit with one paragraph on stderr saying what to fix."""
    try:
        return get_settings()
    except ValidationError as error:
        fail(explain_settings(error), EXIT_CONFIGURATION)


def fail(paragraph: str, code: int) -> NoReturn:
    print(paragraph, file=sys.stderr)
    raise SystemExit(code)


@contextmanager
def database_errors_explained(database_url: str) -> Iterator[None]:
    """Around start-up work on the database (migrations): a clear paragraph, not a traceback."""
    try:
        yield
    except DBAPIError as error:
        fail(explain_database(error, database_url), EXIT_UNAVAILABLE)
    except ValueError as error:  # an unsupported URL scheme (impl.db.engine.normalize_url)
        fail(f"tasks-api cannot start: DATABASE_URL is not usable: {error}.", EXIT_CONFIGURATION)
