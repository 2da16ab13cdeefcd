"""Flooding the API as one user: every authenticated request counts against a per-user quota
(RATE_LIMIT_PER_USER); responses say how much is left (RateLimit, RateLimit-Policy) and over
the quota the answer is a 429 problem with Retry-After. Across processes: see
test_rate_limits_across_servers.py."""

from __future__ import annotations

import asyncio

from limits.aio.storage import MemoryStorage
from limits.errors import StorageError

from impl.http.request_quota import RequestQuota
from tests.accounts import PASSWORD, login, register
from tests.problems import assert_problem
from tests.security.conftest import AppFactory, ClientFactory

TASKS = "/api/v1/tasks"


def test_the_quota_counts_each_users_requests(make_app: AppFactory, client_from: ClientFactory) -> None:
    app = make_app(rate_limit_enabled=True, rate_limit_per_user="3/minute")
    client = client_from(app)
    alice = register(client, "alice@example.com")
    bob = register(client_from(app, "203.0.113.2"), "bob@example.com")
    answers = [client.get(TASKS, headers=alice.headers) for _ in range(3)]
    assert [response.status_code for response in answers] == [200, 200, 200]
    assert [response.headers["ratelimit"].split(";")[1] for response in answers] == ["r=2", "r=1", "r=0"]
    assert {response.headers["ratelimit-policy"] for response in answers} == {'"user";q=3;w=60'}

    refused = client.post(TASKS, json={"title": "one too many"}, headers=alice.headers)
    problem = assert_problem(refused, 429)
    assert str(problem["detail"]).startswith("The request quota of 3 requests per 60 seconds is used up")
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert refused.headers["ratelimit"] == f'"user";r=0;t={refused.headers["retry-after"]}'
    assert refused.headers["ratelimit-policy"] == '"user";q=3;w=60'
    # The limit is alice's alone.
    assert client.get(TASKS, headers=bob.headers).status_code == 200


def test_errors_after_authentication_carry_the_quota_and_a_401_does_not(
    make_app: AppFactory, client_from: ClientFactory
) -> None:
    client = client_from(make_app(rate_limit_enabled=True, rate_limit_per_user="10/minute"))
    alice = register(client, "alice@example.com")
    missing = client.get(f"{TASKS}/3f2b8c1e-2d4a-4e6f-9a8b-7c6d5e4f3a2b", headers=alice.headers)
    assert_problem(missing, 404)
    assert missing.headers["ratelimit"].startswith('"user";r=9;t=')
    anonymous = client.get(TASKS)
    assert_problem(anonymous, 401)
    assert "ratelimit" not in anonymous.headers
    # Public operations are limited per address, not by the quota.
    assert "ratelimit" not in client.get("/api/v1/health/live").headers
    tokens = login(client, alice.email, PASSWORD)
    assert "ratelimit" not in client.post("/api/v1/auth/refresh", json=tokens).headers


def test_logout_counts_too(make_app: AppFactory, client_from: ClientFactory) -> None:
    client = client_from(make_app(rate_limit_enabled=True, rate_limit_per_user="5/minute"))
    alice = register(client, "alice@example.com")
    response = client.post(
        "/api/v1/auth/logout", json={"refresh_token": alice.refresh_token}, headers=alice.headers
    )
    assert response.status_code == 204
    assert response.headers["ratelimit"].startswith('"user";r=4;t=')


def test_with_rate_limits_off_nothing_is_counted(make_app: AppFactory, client_from: ClientFactory) -> None:
    client = client_from(make_app(rate_limit_enabled=False, rate_limit_per_user="1/minute"))
    alice = register(client, "alice@example.com")
    for _ in range(3):
        response = client.get(TASKS, headers=alice.headers)
        assert response.status_code == 200
        assert "ratelimit" not in response.headers


class BrokenStorage(MemoryStorage):
    async def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        raise StorageError(ConnectionError("the store is down"))


def test_a_failing_store_serves_the_request_uncounted() -> None:
    """The quota protects capacity; a Redis outage must not take the API down with it (the
    login limits, which protect passwords, fail closed: test_brute_force.py)."""
    assert asyncio.run(RequestQuota("1/minute", BrokenStorage()).charge("someone")) == {}
    working = RequestQuota("1/minute;5/hour", MemoryStorage())
    assert asyncio.run(working.charge("someone"))["RateLimit-Policy"] == '"user-60s";q=1;w=60'
