"""Migration 0003 on a database that already has tasks: they get their keys, a version and
defaults, and the sort keys compare byte-wise on PostgreSQL as on SQLite."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text

from impl.db.engine import build_engine
from impl.migrate import alembic_config, upgrade
from impl.tasks.fields import search_key
from tests.databases import BACKENDS, temporary_database


@pytest.mark.parametrize("backend_name", BACKENDS)
def test_existing_tasks_are_carried_over(backend_name: str, tmp_path: Path) -> None:
    with temporary_database(backend_name, tmp_path) as url:
        upgrade(url, "0001")
        engine = build_engine(url)
        user_id, task_id = uuid.uuid4(), uuid.uuid4()
        now = datetime(2026, 1, 1, tzinfo=UTC).replace(tzinfo=None if backend_name == "sqlite" else UTC)

        def key(value: uuid.UUID) -> object:
            return value.hex if backend_name == "sqlite" else value

        try:
            with engine.begin() as connection:
                connection.execute(
                    text(
                        "INSERT INTO users (id, email, email_key, password_hash, token_version,"
                        " created_at, updated_at) VALUES (:id, 'a@example.com', 'a@example.com', 'x', 0,"
                        " :now, :now)"
                    ),
                    {"id": key(user_id), "now": now},
                )
                connection.execute(
                    text(
                        "INSERT INTO tasks (id, owner_id, title, description, completed, created_at,"
                        " updated_at) VALUES (:id, :owner, 'Straße ÉTÉ', 'Zwei Liter', false, :now, :now)"
                    ),
                    {"id": key(task_id), "owner": key(user_id), "now": now},
                )
            upgrade(url)
            with engine.connect() as connection:
                row = connection.execute(
                    text("SELECT title_key, search_key, version, priority, deleted_at FROM tasks")
                ).one()
                assert tuple(row) == ("strasse été", search_key("Straße ÉTÉ", "Zwei Liter"), 1, 0, None)
                if backend_name == "postgresql":
                    collations = connection.execute(
                        text(
                            "SELECT table_name, column_name, collation_name FROM information_schema.columns"
                            " WHERE column_name IN ('title_key', 'name_key', 'name')"
                            " AND table_schema = 'public' AND table_name IN ('tasks', 'task_tags')"
                            " ORDER BY table_name, column_name"
                        )
                    ).all()
                    assert [tuple(c) for c in collations] == [
                        ("task_tags", "name", "C"),
                        ("task_tags", "name_key", "C"),
                        ("tasks", "title_key", "C"),
                    ]
            command.downgrade(alembic_config(url), "0001")
            with engine.connect() as connection:
                assert connection.execute(text("SELECT title FROM tasks")).scalar_one() == "Straße ÉTÉ"
        finally:
            engine.dispose()
