"""Alembic environment: the URL comes from the caller (impl.migrate), never from a file."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection
from sqlmodel import SQLModel

from impl.db import tables  # noqa: F401  (registers the table models on the metadata)
from impl.db.engine import build_engine

target_metadata = SQLModel.metadata


def _sqlite_foreign_keys(connection: Connection, enabled: bool) -> None:
    """Batch mode rebuilds a table by dropping it, and on SQLite a DROP TABLE deletes its rows
    first, cascading to every referencing row: foreign keys must be off while migrations run
    (SQLite's documented table-rebuild procedure). The pragma is ignored inside a transaction,
    so it goes straight to the driver before Alembic begins one."""
    if connection.dialect.name != "sqlite" or connection.in_transaction():
        return
    driver = connection.connection.driver_connection
    assert driver is not None
    driver.execute(f"PRAGMA foreign_keys={'ON' if enabled else 'OFF'}")
    if enabled:
        violations = driver.execute("PRAGMA foreign_key_check").fetchall()
        if violations:
            raise RuntimeError(f"migrations left rows that break foreign keys: {violations[:5]}")


def run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    _sqlite_foreign_keys(connection, enabled=False)
    try:
        with context.begin_transaction():
            context.run_migrations()
    finally:
        _sqlite_foreign_keys(connection, enabled=True)


connection = context.config.attributes.get("connection")
if connection is not None:
    run(connection)
else:
    engine = build_engine(context.config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as new_connection:
        run(new_connection)
    engine.dispose()
