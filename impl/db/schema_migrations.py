"""Where the Alembic migrations live and how Alembic is configured for a database: shared by
`tasks-api migrate` (impl/migrate.py) and the readiness check (migrations at head?)."""

from __future__ import annotations

import sys
from pathlib import Path

from alembic.config import Config
from sqlalchemy import Connection

from impl.db.engine import normalize_url

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str | None = None, connection: Connection | None = None) -> Config:
    # stdout as it is now: alembic binds its default when it is imported.
    config = Config(stdout=sys.stdout)
    config.set_main_option("script_location", str(MIGRATIONS))
    if url is not None:
        rendered = normalize_url(url).render_as_string(hide_password=False)
        config.set_main_option("sqlalchemy.url", rendered.replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config
