"""The apps under contract test: one per backend, each on a fresh migrated database.

schemathesis's pytest integration generates explicit examples (and fetches auth for them)
while pytest collects tests, before any fixture runs, so the apps are built on first use at
import time and their databases are dropped when the test process exits."""

from __future__ import annotations

import atexit
import tempfile
from contextlib import ExitStack
from functools import cache
from pathlib import Path

from fastapi import FastAPI
from sqlalchemy import Engine

from impl.app import create_app
from impl.db.engine import build_engine
from impl.db.tables import RefreshTokenRow  # noqa: F401  (all tables are registered on the metadata)
from impl.migrate import upgrade
from tests.conftest import empty_tables, make_settings
from tests.databases import temporary_database

_cleanup = ExitStack()
atexit.register(_cleanup.close)


@cache
def backend_app(backend: str) -> FastAPI:
    directory = Path(_cleanup.enter_context(tempfile.TemporaryDirectory(prefix="contract-")))
    url = _cleanup.enter_context(temporary_database(backend, directory))
    upgrade(url)
    engine = build_engine(url)
    _cleanup.callback(engine.dispose)
    _engines[backend] = engine
    return create_app(make_settings(url))


_engines: dict[str, Engine] = {}


def reset_database(backend: str) -> None:
    """Empty every table, so that a stateful scenario starts from the same state each time."""
    backend_app(backend)
    empty_tables(_engines[backend])
