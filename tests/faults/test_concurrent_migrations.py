"""N instances started at once on an empty database: every `impl.migrate upgrade` succeeds
(one migrates, the others wait for its lock and find nothing left to do)."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import psycopg
from alembic.script import ScriptDirectory

from impl.migrate import alembic_config
from tests.faults.server_process import ROOT, server_environment

INSTANCES = 4


def upgrade_at_once(database_url: str) -> list[subprocess.CompletedProcess[str]]:
    environment = server_environment(database_url, 8000)
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "impl.migrate", "upgrade"],
            cwd=ROOT,
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(INSTANCES)
    ]
    results = []
    for process in processes:
        stdout, stderr = process.communicate(timeout=120)
        results.append(subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr))
    return results


def head() -> str:
    return ScriptDirectory.from_config(alembic_config()).get_current_head() or ""


def test_concurrent_upgrades_on_an_empty_postgresql_database(database_url: str) -> None:
    results = upgrade_at_once(database_url)
    assert [result.returncode for result in results] == [0] * INSTANCES, [r.stderr for r in results]
    with psycopg.connect(database_url) as connection:
        assert connection.execute("SELECT version_num FROM alembic_version").fetchall() == [(head(),)]


def test_concurrent_upgrades_on_an_empty_sqlite_database(tmp_path: Path) -> None:
    database = tmp_path / "fresh.db"
    results = upgrade_at_once(f"sqlite:///{database}")
    assert [result.returncode for result in results] == [0] * INSTANCES, [r.stderr for r in results]
    with sqlite3.connect(database) as connection:
        assert connection.execute("SELECT version_num FROM alembic_version").fetchall() == [(head(),)]
