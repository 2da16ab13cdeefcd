"""The `tasks-api` command (impl/cli.py): every subcommand has --help, which starts nothing;
unknown options are refused with the usage; migrate and purge work on a database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def tasks_api(*arguments: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "ENVIRONMENT": "test",
        "JWT_SECRET": "c" * 48,
        **env,
    }
    return subprocess.run(
        [sys.executable, "-m", "impl.cli", *arguments],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_command_lists_its_subcommands(tmp_path: Path) -> None:
    result = tasks_api("--help", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    for command in ("serve", "migrate", "purge"):
        assert f"  {command} " in result.stdout
    assert tasks_api(cwd=tmp_path).returncode == 2
    unknown = tasks_api("frobnicate", cwd=tmp_path)
    assert unknown.returncode == 2
    assert "invalid choice: 'frobnicate'" in unknown.stderr


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        (["serve"], ["--host HOST", "--port PORT", "--workers WORKERS", "--reload"]),
        (["migrate"], ["upgrade", "downgrade", "current"]),
        (["purge"], ["TOMBSTONE_RETENTION_DAYS", "IDEMPOTENCY_KEY_TTL_HOURS"]),
    ],
)
def test_each_subcommand_prints_its_help_and_starts_nothing(
    tmp_path: Path, command: list[str], expected: list[str]
) -> None:
    # An unusable database: a subcommand that did anything but print its help would fail.
    result = tasks_api(*command, "--help", cwd=tmp_path, DATABASE_URL="postgresql://nobody@127.0.0.1:1/none")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"usage: tasks-api {command[0]}")
    for text in expected:
        assert text in result.stdout


def test_python_m_impl_serve_help_prints_help(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "impl.serve", "--help"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: tasks-api serve")


@pytest.mark.parametrize(
    "arguments", [["--bogus"], ["--port"], ["--port", "eighty"], ["--reload", "--workers", "2"]]
)
def test_serve_refuses_what_it_does_not_understand(tmp_path: Path, arguments: list[str]) -> None:
    result = tasks_api("serve", *arguments, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("usage: tasks-api serve")
    assert "tasks-api serve: error:" in result.stderr


def test_migrate_upgrades_and_reports_the_revision(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    assert tasks_api("migrate", cwd=tmp_path, DATABASE_URL=url).returncode == 0
    current = tasks_api("migrate", "current", cwd=tmp_path, DATABASE_URL=url)
    assert current.returncode == 0, current.stderr
    assert "(head)" in current.stdout
    purged = tasks_api("purge", cwd=tmp_path, DATABASE_URL=url)
    assert purged.stdout.strip() == "purged 0 tombstone(s) and 0 idempotency key(s)", purged.stderr
