"""Scenarios that follow the contract's OpenAPI links: create a task, then get, update,
replace, complete and delete it; register, log in, get the current user; log in, refresh,
log out. Every check runs on every step, on every backend."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, Phase, settings

from tests.contract.apps import reset_database
from tests.contract.auth import Generation
from tests.contract.schemas import contract_schema
from tests.databases import BACKENDS

# Generation only, as schemathesis's own defaults for state machines; derandomized like the rest
# of the contract run (schemas.py's seed), so that every run tries the same scenarios.
STATEFUL = settings(
    derandomize=True,
    max_examples=25,
    stateful_step_count=10,
    phases=[Phase.generate],
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)


def stateful_test_case(backend: str) -> Any:
    class Workflow(contract_schema(backend).as_state_machine()):  # type: ignore[misc]  # schemathesis is untyped: an Any base
        def setup(self) -> None:
            # Every scenario starts on an empty database, so that the same choices meet the
            # same responses (hypothesis requires it) and scenarios cannot see each other.
            reset_database(backend)
            Generation.count += 1

    test_case = Workflow.TestCase
    test_case.settings = STATEFUL
    return test_case


TestStatefulOnSqlite = stateful_test_case("sqlite")

if "postgresql" in BACKENDS:
    TestStatefulOnPostgresql = stateful_test_case("postgresql")
