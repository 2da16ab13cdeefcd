"""A real server (tasks-api serve) for the stream tests, on each backend, and accounts
registered through its API."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.accounts import PASSWORD
from tests.databases import temporary_database
from tests.servers import running_server

EVENTS = "/api/v1/events"
TICKETS = "/api/v1/events/tickets"
TASKS = "/api/v1/tasks"
# A bounded wait for the next frame: a stream that should have sent something has failed.
READ_TIMEOUT = httpx.Timeout(10.0)


@dataclass(frozen=True)
class User:
    email: str
    user_id: str
    access_token: str
    refresh_token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}


@dataclass(frozen=True)
class Served:
    base_url: str
    database_url: str

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.base_url, timeout=READ_TIMEOUT)

    def register(self, name: str) -> User:
        email = f"{name}-{uuid.uuid4().hex[:8]}@example.com"
        with self.client() as client:
            created = client.post("/api/v1/auth/register", json={"email": email, "password": PASSWORD})
            assert created.status_code == 201, created.text
            tokens = client.post("/api/v1/auth/token", data={"username": email, "password": PASSWORD})
            assert tokens.status_code == 200, tokens.text
            body = tokens.json()
        return User(email, created.json()["id"], body["access_token"], body["refresh_token"])

    def log_in(self, user: User) -> User:
        """Another login (another device) of the same user."""
        with self.client() as client:
            tokens = client.post("/api/v1/auth/token", data={"username": user.email, "password": PASSWORD})
            assert tokens.status_code == 200, tokens.text
            body = tokens.json()
        return User(user.email, user.user_id, body["access_token"], body["refresh_token"])


@contextmanager
def served_backend(backend: str, directory: Path, env: dict[str, str] | None = None) -> Iterator[Served]:
    with temporary_database(backend, directory) as url, running_server(url, env=env) as base_url:
        yield Served(base_url, url)
