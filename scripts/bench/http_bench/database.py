"""The throwaway database and the rows seeded straight into it with SQL.

Task rows written here must look like the application's: every NOT NULL column of
impl/tables.py (as the migrations create it) is set, title_key is title.casefold() and
search_key is title.casefold() + "\\x1f" + description.casefold() (impl/task_fields.py;
titles here are ASCII, so lower() is casefold()), version starts at 1.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

CONNECT_TIMEOUT = 10
Connection = psycopg.Connection[tuple[object, ...]]

_TASK_COLUMNS = (
    "id, owner_id, title, title_key, search_key, description, completed, completed_at, "
    "priority, due_at, version, created_at, updated_at, rank"
)
# A rank (impl/db/ranks.py: base-62 digits, never ending in "0") in the order of g.
_RANK = "lpad(g::text, 9, '0') || '1'"
# One owner's tasks, titled "<prefix> <n>", newest first by n.
_OWN_TASKS = f"""
INSERT INTO tasks ({_TASK_COLUMNS})
SELECT gen_random_uuid(), %(owner_id)s, t.title, lower(t.title), lower(t.title) || chr(31), NULL,
       false, NULL, g %% 4, NULL, 1, now() - g * interval '1 second', now() - g * interval '1 second',
       {_RANK}
FROM generate_series(1, %(count)s) AS g, LATERAL (SELECT %(prefix)s::text || ' ' || g AS title) AS t
RETURNING id
"""
_OTHER_USERS = """
INSERT INTO users (id, email, email_key, password_hash, token_version, created_at, updated_at)
SELECT gen_random_uuid(), e.email, e.email, 'not a password hash: nobody logs in', 0, now(), now()
FROM generate_series(1, %(users)s) AS g, LATERAL (SELECT 'other-' || g || '@bench.example' AS email) AS e
"""
# Interleaved as if the users had written them over time (one owner's rows are spread over
# the whole table, like the benchmark user's); a fifth completed, a third with a due date.
_OTHER_TASKS = f"""
WITH owners AS (
    SELECT id, row_number() OVER (ORDER BY id) - 1 AS n
    FROM users WHERE email_key LIKE 'other-%%@bench.example'
)
INSERT INTO tasks ({_TASK_COLUMNS})
SELECT gen_random_uuid(), owners.id, t.title, lower(t.title), lower(t.title) || chr(31), NULL,
       g %% 5 = 0, CASE WHEN g %% 5 = 0 THEN now() END, g %% 4,
       CASE WHEN g %% 3 = 0 THEN now() + g * interval '1 minute' END, 1,
       now() - g * interval '1 second', now() - g * interval '1 second', {_RANK}
FROM generate_series(0, %(tasks)s - 1) AS g
JOIN owners ON owners.n = g %% %(users)s,
LATERAL (SELECT 'Other task ' || g AS title) AS t
"""
# A tag on every tenth of their tasks.
_OTHER_TAGS = """
INSERT INTO task_tags (task_id, name_key, owner_id, name)
SELECT id, 'work', owner_id, 'work' FROM tasks WHERE title LIKE 'Other task %%0'
"""
_OPEN_IDS = """
SELECT id FROM tasks
WHERE owner_id = %(owner_id)s AND title LIKE %(pattern)s AND NOT completed AND deleted_at IS NULL
"""


def with_database(server_url: str, name: str) -> str:
    parts = urlsplit(server_url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def redacted(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@")))


@contextmanager
def throwaway_database(server_url: str) -> Iterator[str]:
    """A database `tasks_api_bench_<random>` on the server, dropped on the way out."""
    name = f"tasks_api_bench_{secrets.token_hex(6)}"
    with psycopg.connect(server_url, autocommit=True, connect_timeout=CONNECT_TIMEOUT) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield with_database(server_url, name)
    finally:
        with psycopg.connect(server_url, autocommit=True, connect_timeout=CONNECT_TIMEOUT) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def connect(database_url: str) -> Connection:
    connection = psycopg.connect(database_url, autocommit=True, connect_timeout=CONNECT_TIMEOUT)
    # Seeding a million rows takes a while; nothing here may hang for ever.
    connection.execute("SET statement_timeout = '15min'")
    connection.execute("SET synchronous_commit = off")
    return connection


def hold_statistics(connection: Connection) -> None:
    """No autovacuum on the task tables: statistics change only by this script's ANALYZE, so
    that the run before ANALYZE really runs on the statistics of the small table."""
    for table in ("tasks", "task_tags"):
        connection.execute(
            sql.SQL("ALTER TABLE {} SET (autovacuum_enabled = false)").format(sql.Identifier(table))
        )


def analyze(connection: Connection) -> None:
    connection.execute("ANALYZE")


def server_version(connection: Connection) -> str:
    row = connection.execute("SHOW server_version").fetchone()
    return str(row[0]) if row else "?"


def insert_own_tasks(connection: Connection, *, owner_id: uuid.UUID, prefix: str, count: int) -> list[str]:
    rows = connection.execute(_OWN_TASKS, {"owner_id": owner_id, "prefix": prefix, "count": count})
    return [str(row[0]) for row in rows]


def insert_other_users_tasks(connection: Connection, *, users: int, tasks: int) -> None:
    connection.execute(_OTHER_USERS, {"users": users})
    connection.execute(_OTHER_TASKS, {"users": users, "tasks": tasks})
    connection.execute(_OTHER_TAGS)


def write_open_ids(connection: Connection, *, owner_id: uuid.UUID, prefix: str, path: Path) -> int:
    rows = connection.execute(_OPEN_IDS, {"owner_id": owner_id, "pattern": f"{prefix} %"}).fetchall()
    path.write_text("".join(f"{row[0]}\n" for row in rows))
    return len(rows)
