"""Apply the Alembic migrations: `python -m impl.migrate [upgrade|downgrade REV|current]`."""

from __future__ import annotations

import sys
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection

from impl.db.engine import normalize_url
from impl.db.migration_lock import migration_lock
from impl.ops.startup_errors import database_errors_explained, load_settings

MIGRATIONS = Path(__file__).resolve().parent / "db" / "migrations"


def alembic_config(url: str | None = None, connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if url is not None:
        rendered = normalize_url(url).render_as_string(hide_password=False)
        config.set_main_option("sqlalchemy.url", rendered.replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Safe to run from several processes at once (see impl/db/migration_lock.py)."""
    with migration_lock(url) as connection:
        command.upgrade(alembic_config(url, connection), revision)


def downgrade(url: str, revision: str) -> None:
    with migration_lock(url) as connection:
        command.downgrade(alembic_config(url, connection), revision)


def main(argv: list[str]) -> int:
    url = load_settings().database_url
    action = argv[0] if argv else "upgrade"
    with database_errors_explained(url):
        if action == "upgrade":
            upgrade(url, argv[1] if len(argv) > 1 else "head")
        elif action == "downgrade" and len(argv) == 2:
            downgrade(url, argv[1])
        elif action == "current":
            command.current(alembic_config(url), verbose=True)
        else:
            print(__doc__, file=sys.stderr)
            return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
