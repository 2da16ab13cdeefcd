"""Fixtures: every database test runs once per backend (SQLite, and PostgreSQL when
TEST_DATABASE_URL is set), against the real app and its real commits; every table is emptied
after each test, so tests never see each other's rows."""

from __future__ import annotations

import base64
import json
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

from .databases import BACKENDS, POSTGRES_URL, temporary_database

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

    @property
    def session_id(self) -> str:
        """The login session (`sid`) of this account's access token."""
        payload = self.access_token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        return str(claims["sid"])


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


def assert_oauth2_error(response: object, error: str) -> dict[str, str]:
    """The token endpoint's answer to a failed grant: RFC 6749 §5.2, not a problem document."""
    assert getattr(response, "status_code", None) == 400, getattr(response, "text", response)
    headers = getattr(response, "headers", {})
    assert headers["content-type"] == "application/json"
    assert headers["cache-control"] == "no-store"
    body: dict[str, str] = response.json()  # type: ignore[attr-defined]
    assert set(body) == {"error", "error_description"}
    assert body["error"] == error
    assert body["error_description"].isascii()
    assert '"' not in body["error_description"]
    return body


def assert_problem(response: object, status: int) -> dict[str, object]:
    """The response is an RFC 9457 problem document with this status."""
    assert getattr(response, "status_code", None) == status, getattr(response, "text", response)
    headers = getattr(response, "headers", {})
    assert headers["content-type"] == "application/problem+json"
    body: dict[str, object] = response.json()  # type: ignore[attr-defined]
    assert body["status"] == status
    assert str(body["type"]).startswith("urn:tasks-api:problem:")
    assert body["title"]
    # The members the contract requires of every problem, and `errors` of every 422.
    assert body["detail"]
    assert str(body["instance"]).startswith("/")
    assert body["request_id"] == headers["x-request-id"]
    if status == 422:
        assert isinstance(body["errors"], list)
        assert body["errors"]
    assert "Traceback" not in getattr(response, "text", "")
    return body


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return Path(__file__).resolve().parent.parent
