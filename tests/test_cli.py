"""The `tasks-api` command (impl/cli.py): every subcommand has --help, which starts nothing;
unknown options are refused with the usage; migrate and purge work on a database. In process,
but for `python -m impl.serve --help`, which must print help rather than start a server."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from impl.cli import main
from impl.settings import get_settings

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """Settings from this environment, read afresh (get_settings caches them per process).
    The database is unusable: a command that did more than it should fails."""
    monkeypatch.setenv("ENVIRONMENT", "test")
    monkeypatch.setenv("JWT_SECRET", "c" * 48)
    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none?connect_timeout=1")
    monkeypatch.chdir(tmp_path)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def run(capfd: pytest.CaptureFixture[str], *arguments: str) -> tuple[int, str, str]:
    try:
        status = main(list(arguments))
    except SystemExit as exit_:
        status = exit_.code if isinstance(exit_.code, int) else 1
    captured = capfd.readouterr()
    return status, captured.out, captured.err


def test_the_command_lists_its_subcommands(capfd: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capfd, "--help")
    assert status == 0
    for command in ("serve", "migrate", "purge"):
        assert f"  {command} " in out
    assert run(capfd)[0] == 2
    status, _, err = run(capfd, "frobnicate")
    assert status == 2
    assert "invalid choice: 'frobnicate'" in err


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("serve", ["--host HOST", "--port PORT", "--workers WORKERS", "--reload"]),
        ("migrate", ["upgrade", "downgrade", "current"]),
        ("purge", ["TOMBSTONE_RETENTION_DAYS", "IDEMPOTENCY_KEY_TTL_HOURS"]),
    ],
)
def test_each_subcommand_prints_its_help_and_starts_nothing(
    capfd: pytest.CaptureFixture[str], command: str, expected: list[str]
) -> None:
    status, out, _ = run(capfd, command, "--help")
    assert status == 0
    assert out.startswith(f"usage: tasks-api {command}")
    for text in expected:
        assert text in out


@pytest.mark.parametrize(
    "arguments",
    [["--bogus"], ["--port"], ["--port", "eighty"], ["--reload", "--workers", "2"]],
    ids=["unknown-option", "port-without-value", "port-not-a-number", "reload-with-workers"],
)
def test_serve_refuses_what_it_does_not_understand(
    capfd: pytest.CaptureFixture[str], arguments: list[str]
) -> None:
    status, _, err = run(capfd, "serve", *arguments)
    assert status == 2
    assert err.startswith("usage: tasks-api serve")
    assert "tasks-api serve: error:" in err


def test_migrate_upgrades_reports_the_revision_and_purge_runs(
    capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    get_settings.cache_clear()
    assert run(capfd, "migrate")[0] == 0
    status, out, _ = run(capfd, "migrate", "current")
    assert status == 0
    assert "(head)" in out
    assert run(capfd, "purge") == (
        0,
        "purged 0 tombstone(s) and 0 idempotency key(s)\n"
        "purged 0 change-log entry(ies), 0 fired reminder(s) and 0 stream ticket(s)\n",
        "",
    )


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
