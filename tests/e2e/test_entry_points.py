"""The ways to run the service that README documents: `uvicorn impl.app:app` (the module-level
app), what `fastapi run impl/app.py` looks for, and the package that `pip install .` builds,
used from outside the repository. (`tasks-api serve` itself: every test that starts a server.)"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

import impl.app
from impl.settings import get_settings
from tests.servers import ROOT, running_server

SERVER_ENV = {"ENVIRONMENT": "test", "JWT_SECRET": "entry-point-secret-" + "e" * 40}


def test_uvicorn_serves_the_module_level_app(tmp_path: Path) -> None:
    def uvicorn(port: int) -> list[str]:
        return [sys.executable, "-m", "uvicorn", "impl.app:app", "--host", "127.0.0.1", "--port", str(port)]

    with running_server(f"sqlite:///{tmp_path / 'uvicorn.db'}", command=uvicorn) as base:
        assert httpx.get(f"{base}/api/v1/health/ready", timeout=10).json() == {"status": "ok"}
        registered = httpx.post(
            f"{base}/api/v1/auth/register",
            json={"email": "uvicorn@example.com", "password": "served by plain uvicorn"},
            timeout=10,
        )
        assert registered.status_code == 201, registered.text


def test_the_app_is_found_as_fastapi_run_looks_for_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # fastapi-cli imports the module, looks for "app" in dir(module), then getattr()s it.
    for name, value in {**SERVER_ENV, "DATABASE_URL": f"sqlite:///{tmp_path / 'app.db'}"}.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    try:
        assert "app" in dir(impl.app)
        app = impl.app.app
        assert isinstance(app, FastAPI)
        assert impl.app.app is app  # built once
        assert app.state.settings.database_url == f"sqlite:///{tmp_path / 'app.db'}"
    finally:
        impl.app._module_app.cache_clear()
        get_settings.cache_clear()


def test_the_built_package_carries_its_data_and_runs_outside_the_repository(tmp_path: Path) -> None:
    # Build from a copy: an in-tree build would leave build/ and *.egg-info in the work tree.
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, source / name)
    for package in ("impl", "generated"):
        shutil.copytree(ROOT / package, source / package, ignore=shutil.ignore_patterns("__pycache__"))
    wheels = tmp_path / "wheels"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input"]
    subprocess.run(
        [
            *pip,
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--wheel-dir",
            str(wheels),
            str(source),
        ],
        check=True,
        timeout=300,
    )
    (wheel,) = wheels.glob("tasks_api-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for expected in (
        "impl/auth/data/common-passwords.txt",
        "impl/http/docs_assets/swagger-init.js",
        "impl/db/migrations/env.py",
        "impl/db/migrations/script.py.mako",
        "impl/db/migrations/versions/0001_initial.py",
        "generated/contract.py",
    ):
        assert expected in names, expected
    assert not any(name.startswith(("tests/", "scripts/")) for name in names)
    entry_points = next(name for name in names if name.endswith(".dist-info/entry_points.txt"))
    assert "tasks-api = impl.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()

    target = tmp_path / "site"
    subprocess.run([*pip, "install", "--quiet", "--no-deps", "--target", str(target), str(wheel)], check=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    environment = {
        **os.environ,
        **SERVER_ENV,
        "PYTHONPATH": str(target),
        "DATABASE_URL": f"sqlite:///{elsewhere / 'installed.db'}",
    }
    migrated = subprocess.run(
        [str(target / "bin" / "tasks-api"), "migrate"],
        check=False,
        cwd=elsewhere,
        env=environment,
        capture_output=True,
        text=True,
    )
    assert migrated.returncode == 0, migrated.stderr
    # The installed package, not the repository's: its docs assets and password list load.
    script = (
        "import impl, sys\n"
        f"assert impl.__file__.startswith({str(target)!r}), impl.__file__\n"
        "from fastapi.testclient import TestClient\n"
        "from impl.app import app\n"
        "with TestClient(app) as client:\n"
        "    assert client.get('/docs/assets/swagger-init.js').status_code == 200\n"
        "    weak = {'email': 'w@example.com', 'password': 'password123'}\n"
        "    weak = client.post('/api/v1/auth/register', json=weak)\n"
        "    assert weak.status_code == 422, weak.text\n"
        "    assert 'common' in weak.text, weak.text\n"
    )
    used = subprocess.run(
        [sys.executable, "-c", script],
        check=False,
        cwd=elsewhere,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert used.returncode == 0, used.stderr
