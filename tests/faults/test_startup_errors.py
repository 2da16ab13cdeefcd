"""A server that cannot start says why in one paragraph: which variable, what to do; never a
traceback, never a secret's value."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.faults.server_process import ROOT, server_environment
from tests.servers import free_port

SECRET = "hunter2-" + "p" * 16


def start(module: str, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = server_environment(env.pop("DATABASE_URL", "sqlite:///:memory:"), free_port(), **env)
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def assert_one_paragraph(result: subprocess.CompletedProcess[str], *names: str) -> str:
    output = (result.stdout + result.stderr).strip()
    assert result.returncode in {2, 3}, output
    assert "Traceback" not in output
    assert output.startswith("tasks-api cannot start:"), output
    assert len(output.splitlines()) == 1, output
    for name in names:
        assert name in output
    assert SECRET not in output
    return output


@pytest.mark.parametrize("module", ["impl.serve", "impl.migrate"])
def test_invalid_settings_name_their_variables(module: str) -> None:
    result = start(module, WORKERS="0", LOG_LEVEL="loud")
    assert_one_paragraph(result, "WORKERS", "LOG_LEVEL")


@pytest.mark.parametrize("module", ["impl.serve", "impl.migrate"])
def test_a_weak_secret_is_named_but_never_printed(module: str) -> None:
    result = start(module, ENVIRONMENT="production", JWT_SECRET=SECRET[:12])
    output = assert_one_paragraph(result, "JWT_SECRET")
    assert SECRET[:12] not in output


def test_an_unsupported_database_url_is_named_with_its_password_masked() -> None:
    result = start("impl.serve", DATABASE_URL=f"mysql://app:{SECRET}@db.example.com/tasks")
    assert_one_paragraph(result, "DATABASE_URL", "unsupported DATABASE_URL scheme")


def test_an_unreachable_database_is_named_with_its_password_masked() -> None:
    url = f"postgresql://app:{SECRET}@127.0.0.1:{free_port()}/tasks"
    result = start("impl.migrate", "upgrade", DATABASE_URL=url, DATABASE_CONNECT_TIMEOUT_SECONDS="2")
    output = assert_one_paragraph(result, "DATABASE_URL", "app:***@127.0.0.1", "Connection refused")
    assert result.returncode == 3, output
