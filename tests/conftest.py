"""Fixtures: every database test runs once per backend (SQLite, and PostgreSQL when
TEST_DATABASE_URL is set), against the real app, inside a transaction rolled back after it."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine
from sqlmodel import Session

from impl.app import create_app
from impl.db.engine import build_engine
from impl.migrate import upgrade
from impl.settings import Settings
from tests.databases import BACKENDS, POSTGRES_URL, temporary_database

TEST_SECRET = "test-secret-" + "x" * 40
PASSWORD = "correct horse battery staple"


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
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


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
        engine = build_engine(url)
        app = create_app(make_settings(url), engine=engine)
        yield Backend(request.param, url, engine, app)
        engine.dispose()


@pytest.fixture
def connection(backend: Backend) -> Iterator[Connection]:
    """One connection in an outer transaction that is rolled back: tests never see each other."""
    with backend.engine.connect() as connection:
        transaction = connection.begin()
        try:
            yield connection
        finally:
            transaction.rollback()


@pytest.fixture
def app(backend: Backend, connection: Connection) -> FastAPI:
    # Request sessions join the test's transaction; their commits become savepoint releases.
    backend.app.state.make_session = lambda *, write: Session(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    return backend.app


@pytest.fixture
def db(connection: Connection) -> Iterator[Session]:
    """A session on the test's transaction, to look at the database directly."""
    with Session(bind=connection, join_transaction_mode="create_savepoint") as session:
        yield session


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@dataclass
class Account:
    email: str
    password: str
    user_id: str
    access_token: str
    refresh_token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}


def register(client: TestClient, email: str, password: str = PASSWORD) -> Account:
    response = client.post("/api/v1/auth/register", json={"email": email, "password": password})
    assert response.status_code == 201, response.text
    user_id = response.json()["id"]
    tokens = login(client, email, password)
    return Account(email, password, user_id, tokens["access_token"], tokens["refresh_token"])


def login(client: TestClient, email: str, password: str = PASSWORD) -> dict[str, str]:
    response = client.post("/api/v1/auth/token", data={"username": email, "password": password})
    assert response.status_code == 200, response.text
    tokens: dict[str, str] = response.json()
    return tokens


@pytest.fixture
def make_account(client: TestClient) -> Callable[[str], Account]:
    return lambda email: register(client, email)


@pytest.fixture
def alice(make_account: Callable[[str], Account]) -> Account:
    return make_account("alice@example.com")


@pytest.fixture
def bob(make_account: Callable[[str], Account]) -> Account:
    return make_account("bob@example.com")


def assert_problem(response: object, status: int) -> dict[str, object]:
    """The response is an RFC 9457 problem document with this status."""
    assert getattr(response, "status_code", None) == status, getattr(response, "text", response)
    headers = getattr(response, "headers", {})
    assert headers["content-type"] == "application/problem+json"
    body: dict[str, object] = response.json()  # type: ignore[attr-defined]
    assert body["status"] == status
    assert str(body["type"]).startswith("urn:tasks-api:problem:")
    assert body["title"]
    assert "Traceback" not in getattr(response, "text", "")
    return body


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return Path(__file__).resolve().parent.parent
