from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.databases import BACKENDS
from tests.events.live import Served, served_backend

# Logins and registrations come from one address in these tests.
SERVER_ENV = {
    "RATE_LIMIT_ENABLED": "false",
    "EVENTS_HEARTBEAT_SECONDS": "0.3",
    "EVENTS_MAX_STREAMS_PER_USER": "3",
}


@pytest.fixture(scope="module", params=BACKENDS)
def served(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with served_backend(request.param, tmp_path_factory.mktemp("events"), SERVER_ENV) as server:
        yield server
