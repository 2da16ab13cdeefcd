"""Migration 0002 rebuilds `users` on SQLite: existing users keep their tasks and tokens."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text

from impl.db.engine import build_engine
from impl.migrate import alembic_config, upgrade
from tests.databases import BACKENDS, temporary_database


@pytest.mark.parametrize("backend_name", BACKENDS)
def test_upgrading_to_0002_and_back_keeps_local_users_and_their_tasks(
    backend_name: str, tmp_path: Path
) -> None:
    with temporary_database(backend_name, tmp_path) as url:
        upgrade(url, "0001")
        engine = build_engine(url)
        user_id, task_id = uuid.uuid4(), uuid.uuid4()
        now = datetime.now(UTC)
        sqlite = backend_name == "sqlite"
        values = {
            "user": user_id.hex if sqlite else user_id,
            "task": task_id.hex if sqlite else task_id,
            "now": now.replace(tzinfo=None) if sqlite else now,
        }
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO users (id, email, email_key, password_hash, token_version,"
                    " created_at, updated_at)"
                    " VALUES (:user, 'a@example.com', 'a@example.com', 'hash', 0, :now, :now)"
                ),
                values,
            )
            connection.execute(
                text(
                    "INSERT INTO tasks (id, owner_id, title, completed, created_at, updated_at)"
                    " VALUES (:task, :user, 'kept', false, :now, :now)"
                ),
                values,
            )
        try:
            upgrade(url)
            with engine.connect() as connection:
                assert connection.execute(text("SELECT title FROM tasks")).scalars().all() == ["kept"]
            command.downgrade(alembic_config(url), "0001")
            with engine.connect() as connection:
                assert connection.execute(text("SELECT count(*) FROM tasks")).scalar() == 1
                assert connection.execute(text("SELECT count(*) FROM users")).scalar() == 1
        finally:
            engine.dispose()
