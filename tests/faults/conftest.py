"""Fault tests: real server processes against a real PostgreSQL that these tests start, stop,
freeze and kill themselves (a throwaway cluster made with initdb, never the shared server),
and a Redis of their own."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.faults.postgres_cluster import PostgresCluster, available, throwaway_cluster


def required(available: bool, what: str) -> pytest.MarkDecorator:
    """Skip without `what` on a developer's machine; in CI (TEST_REQUIRE_POSTGRES), fail."""
    if not available and os.environ.get("TEST_REQUIRE_POSTGRES"):
        raise RuntimeError(f"the fault tests need {what}, and TEST_REQUIRE_POSTGRES is set")
    return pytest.mark.skipif(not available, reason=f"{what} is not installed")


@pytest.fixture(scope="session")
def cluster() -> Iterator[PostgresCluster]:
    if not available():
        if os.environ.get("TEST_REQUIRE_POSTGRES"):
            raise RuntimeError("the fault tests need PostgreSQL's initdb (PG_BIN) and runuser")
        pytest.skip("PostgreSQL binaries (initdb) are not installed")
    with throwaway_cluster() as started:
        yield started


@pytest.fixture
def database_url(cluster: PostgresCluster) -> str:
    """A new database in the throwaway cluster, which a test may find stopped: start it."""
    cluster.start_if_stopped()
    return cluster.create_database()
