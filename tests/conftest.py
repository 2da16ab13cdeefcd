"""Fixtures: every database test runs once per backend (SQLite, and PostgreSQL when
TEST_DATABASE_URL is set), against the real app and its real commits; every table is emptied
after each test, so tests never see each other's rows."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, delete
from sqlmodel import Session, SQLModel

from impl.app import create_app
from impl.db.engine import build_engine
from impl.migrate import upgrade
from impl.settings import Settings
from tests.accounts import Account, LoggedIn, register, seed_account
from tests.databases import BACKENDS, POSTGRES_URL, temporary_database

TEST_SECRET = "test-secret-" + "x" * 40
pytest_plugins = ["tests.clock"]


def pytest_configure(config: pytest.Config) -> None:
    if os.environ.get("TEST_REQUIRE_POSTGRES") and not POSTGRES_URL:
        raise pytest.UsageError("TEST_REQUIRE_POSTGRES is set but TEST_DATABASE_URL is not")


def make_settings(database_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "environment": "test",
        "database_url": database_url,
        "jwt_secret": TEST_SECRET,
        "cors_origins": ["https://app.example.com"],
        # The shared apps serve every test from one client address; tests/security builds
        # apps with limits on to test them.
        "rate_limit_enabled": False,
        # Reminders fire when a test says so (tests/reminders/), not on a timer.
        "reminder_poll_seconds": 0,
    }
    values.update(overrides)
    return Settings.model_validate(values)


@dataclass
class Backend:
    name: str
    url: str
    engine: Engine
    app: FastAPI


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backend]:
    """A migrated database and an app on it, shared by the tests of one backend."""
    with temporary_database(request.param, tmp_path_factory.mktemp("db")) as url:
        upgrade(url)
        # Autocommit: what a test writes directly is there for the app at once, and a read
        # holds no snapshot that would hide the app's later commits.
        engine = build_engine(url).execution_options(isolation_level="AUTOCOMMIT")
        app = create_app(make_settings(url))
        yield Backend(request.param, url, engine, app)
        engine.dispose()


def empty_tables(engine: Engine) -> None:
    with engine.begin() as connection:
        for table in reversed(SQLModel.metadata.sorted_tables):
            connection.execute(delete(table))


@pytest.fixture
def app(backend: Backend) -> Iterator[FastAPI]:
    yield backend.app
    empty_tables(backend.engine)


@pytest.fixture
def db(backend: Backend, app: FastAPI) -> Iterator[Session]:
    """A session to look at (and tamper with) the database directly, outside the app."""
    with Session(backend.engine) as session:
        yield session


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def make_account(app: FastAPI, db: Session) -> Callable[[str], Account]:
    """A user and a login session written straight to the database, with an access token from
    the app's TokenService: no registration or login request, no argon2 per account."""
    return lambda email: seed_account(db, app.state.tokens, email)


@pytest.fixture
def log_in(client: TestClient) -> Callable[[str], LoggedIn]:
    """An account registered and logged in through the API, with its refresh token: for the
    tests about registration, login and refresh."""
    return lambda email: register(client, email)


@pytest.fixture
def alice(make_account: Callable[[str], Account]) -> Account:
    return make_account("alice@example.com")


@pytest.fixture
def bob(make_account: Callable[[str], Account]) -> Account:
    return make_account("bob@example.com")


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return Path(__file__).resolve().parent.parent
