"""Migrations build the schema from empty on every backend and agree with the table models."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlmodel import SQLModel

from impl.db import tables  # noqa: F401  (registers the models)
from impl.db.engine import build_engine
from impl.migrate import MIGRATIONS, alembic_config, upgrade
from tests.databases import BACKENDS, temporary_database


@pytest.mark.parametrize("backend_name", BACKENDS)
def test_upgrade_from_empty_matches_the_models_and_downgrades_cleanly(
    backend_name: str, tmp_path: Path
) -> None:
    with temporary_database(backend_name, tmp_path) as url:
        upgrade(url)
        engine = build_engine(url)
        try:
            with engine.connect() as connection:
                context = MigrationContext.configure(connection, opts={"compare_type": True})
                assert compare_metadata(context, SQLModel.metadata) == []
                assert set(inspect(connection).get_table_names()) >= {"users", "tasks", "refresh_tokens"}
            command.downgrade(alembic_config(url), "base")
            with engine.connect() as connection:
                assert set(inspect(connection).get_table_names()) <= {"alembic_version"}
            upgrade(url)  # and up again
        finally:
            engine.dispose()


def test_one_linear_history() -> None:
    scripts = ScriptDirectory(str(MIGRATIONS))
    assert len(scripts.get_heads()) == 1
