"""`tasks-api migrate` (or `python -m impl.migrate`): the Alembic migrations of DATABASE_URL.

`upgrade [REV]` (the default, to head), `downgrade REV`, `current`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection

from impl.db.engine import normalize_url
from impl.settings import get_settings

MIGRATIONS = Path(__file__).resolve().parent / "db" / "migrations"


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


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


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
    url = get_settings().database_url
    if options.action in (None, "upgrade"):
        upgrade(url, getattr(options, "revision", "head"))
    elif options.action == "downgrade":
        command.downgrade(alembic_config(url), options.revision)
    else:
        command.current(alembic_config(url), verbose=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
