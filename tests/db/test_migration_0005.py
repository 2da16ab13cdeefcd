"""Migration 0005 on a database that already has tasks: they land in the inbox, top-level, in
the order they were created, with every other column as it was; downgrading keeps them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text

from impl.db.engine import build_engine
from impl.db.ranks import clock_rank
from impl.migrate import alembic_config, upgrade
from tests.databases import BACKENDS, temporary_database

COLUMNS = "id, title, description, completed, priority, due_at, title_key, search_key, version, deleted_at"


@pytest.mark.parametrize("backend_name", BACKENDS)
def test_existing_tasks_land_in_the_inbox_unchanged(backend_name: str, tmp_path: Path) -> None:
    with temporary_database(backend_name, tmp_path) as url:
        upgrade(url, "0004")
        engine = build_engine(url)
        sqlite = backend_name == "sqlite"
        user_id = uuid.uuid4()
        start = datetime(2026, 1, 1, tzinfo=UTC)

        def key(value: uuid.UUID) -> object:
            return value.hex if sqlite else value

        def moment(value: datetime) -> datetime:
            return value.replace(tzinfo=None) if sqlite else value

        # Created in this order; ids in another, so the order cannot come from them.
        task_ids = sorted((uuid.uuid4() for _ in range(3)), reverse=True)
        try:
            with engine.begin() as connection:
                connection.execute(
                    text(
                        "INSERT INTO users (id, email, email_key, password_hash, token_version,"
                        " created_at, updated_at) VALUES (:id, 'a@example.com', 'a@example.com', 'x', 0,"
                        " :now, :now)"
                    ),
                    {"id": key(user_id), "now": moment(start)},
                )
                for index, task_id in enumerate(task_ids):
                    created = moment(start + timedelta(minutes=index))
                    connection.execute(
                        text(
                            "INSERT INTO tasks (id, owner_id, title, description, completed, priority,"
                            " due_at, title_key, search_key, version, created_at, updated_at)"
                            " VALUES (:id, :owner, :title, 'd', :completed, 2, :due, :title_key,"
                            " :search_key, 3, :created, :created)"
                        ),
                        {
                            "id": key(task_id),
                            "owner": key(user_id),
                            "title": f"task {index}",
                            "title_key": f"task {index}",
                            "search_key": f"task {index}",
                            "completed": index == 1,
                            "due": created,
                            "created": created,
                        },
                    )
            with engine.connect() as connection:
                before = connection.execute(text(f"SELECT {COLUMNS} FROM tasks ORDER BY id")).all()
            upgrade(url)
            with engine.connect() as connection:
                after = connection.execute(text(f"SELECT {COLUMNS} FROM tasks ORDER BY id")).all()
                placed = connection.execute(
                    text("SELECT id, list_id, parent_id, rank FROM tasks ORDER BY rank, id")
                ).all()
            assert after == before
            assert [row[0] for row in placed] == [key(task_id) for task_id in task_ids]
            assert all(row[1] is None and row[2] is None for row in placed)
            expected = [clock_rank(start + timedelta(minutes=i), task) for i, task in enumerate(task_ids)]
            assert [row[3] for row in placed] == expected
            command.downgrade(alembic_config(url), "0004")
            with engine.connect() as connection:
                assert connection.execute(text(f"SELECT {COLUMNS} FROM tasks ORDER BY id")).all() == before
        finally:
            engine.dispose()
