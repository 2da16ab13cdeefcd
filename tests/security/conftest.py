"""Apps with rate limits on (the shared fixtures switch them off), on the backend's database."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from impl.app import create_app
from tests.conftest import Backend, make_settings

AppFactory = Callable[..., FastAPI]
ClientFactory = Callable[..., TestClient]


@pytest.fixture
def make_app(backend: Backend, app: FastAPI) -> AppFactory:
    """An app on the backend's database with these settings (emptied after the test like the
    shared app's)."""

    def build(**overrides: object) -> FastAPI:
        return create_app(make_settings(backend.url, **overrides))

    return build


@pytest.fixture
def client_from() -> Iterator[ClientFactory]:
    """`client_from(app, "203.0.113.7")`: a client whose requests come from that address."""
    clients: list[TestClient] = []

    def build(app: FastAPI, address: str = "203.0.113.1") -> TestClient:
        client = TestClient(app, raise_server_exceptions=False, client=(address, 50000))
        clients.append(client)
        return client

    yield build
    for client in clients:
        client.close()
