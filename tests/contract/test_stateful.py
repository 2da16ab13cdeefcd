"""Scenarios that follow the contract's OpenAPI links: create a task, then get, update,
replace, complete and delete it; register, log in, get the current user; log in, refresh,
log out. Every check runs on every step, on every backend."""

from __future__ import annotations

from hypothesis import HealthCheck, settings

from ..databases import BACKENDS
from .schemas import contract_schema

STATEFUL = settings(
    max_examples=25,
    stateful_step_count=10,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)

TestStatefulOnSqlite = contract_schema("sqlite").as_state_machine().TestCase
TestStatefulOnSqlite.settings = STATEFUL

if "postgresql" in BACKENDS:
    TestStatefulOnPostgresql = contract_schema("postgresql").as_state_machine().TestCase
    TestStatefulOnPostgresql.settings = STATEFUL
