"""`tasks-api migrate` (or `python -m impl.migrate`): the Alembic migrations of DATABASE_URL.

`upgrade [REV]` (the default, to head), `downgrade REV`, `current`.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from alembic import command

from impl.db.migration_lock import migration_lock
from impl.db.schema_migrations import MIGRATIONS, alembic_config
from impl.ops.startup_errors import database_errors_explained, load_settings

__all__ = ["MIGRATIONS", "alembic_config", "downgrade", "main", "upgrade"]


def upgrade(url: str, revision: str = "head") -> None:
    """Safe to run from several processes at once (see impl/db/migration_lock.py)."""
    with migration_lock(url) as connection:
        command.upgrade(alembic_config(url, connection), revision)


def downgrade(url: str, revision: str) -> None:
    with migration_lock(url) as connection:
        command.downgrade(alembic_config(url, connection), revision)


def parser() -> argparse.ArgumentParser:
    parse = argparse.ArgumentParser(
        prog="tasks-api migrate",
        description="Migrate the database at DATABASE_URL (default: upgrade to the latest revision).",
    )
    actions = parse.add_subparsers(dest="action", metavar="{upgrade,downgrade,current}")
    upgrade_action = actions.add_parser("upgrade", help="apply the migrations up to REV (default: head)")
    upgrade_action.add_argument("revision", nargs="?", default="head", metavar="REV")
    downgrade_action = actions.add_parser("downgrade", help="revert the migrations down to REV")
    downgrade_action.add_argument("revision", metavar="REV")
    actions.add_parser("current", help="print the revision the database is at")
    return parse


def main(argv: Sequence[str] | None = None) -> int:
    options = parser().parse_args(argv)
    url = load_settings().database_url
    with database_errors_explained(url):
        if options.action in (None, "upgrade"):
            upgrade(url, getattr(options, "revision", "head"))
        elif options.action == "downgrade":
            downgrade(url, options.revision)
        else:
            command.current(alembic_config(url), verbose=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
