"""Item 7, across instances: two real uvicorn server processes on 127.0.0.1 sharing one Redis
enforce one login limit, and one per-user request quota, between them."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis

from tests.accounts import PASSWORD
from tests.conftest import TEST_SECRET
from tests.servers import running_server

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def redis_or_skip() -> redis.Redis:
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as error:
        if os.environ.get("TEST_REQUIRE_REDIS"):
            raise
        client.close()
        pytest.skip(f"no Redis at {REDIS_URL}: {error}")
    return client


@pytest.fixture
def shared_redis() -> Iterator[tuple[redis.Redis, str]]:
    client = redis_or_skip()
    prefix = f"tasks-api-test-{uuid.uuid4().hex}"
    yield client, prefix
    for key in client.scan_iter(match=f"{prefix}*"):
        client.delete(key)
    client.close()


@pytest.fixture
def two_servers(shared_redis: tuple[redis.Redis, str], tmp_path: Path) -> Iterator[list[str]]:
    _, prefix = shared_redis
    database_url = f"sqlite:///{tmp_path / 'shared.db'}"
    env = {
        "JWT_SECRET": TEST_SECRET,
        "REDIS_URL": REDIS_URL,
        "RATE_LIMIT_KEY_PREFIX": prefix,
        "RATE_LIMIT_LOGIN_PER_ACCOUNT": "6/minute",
        "RATE_LIMIT_LOGIN_PER_ADDRESS": "100/minute",
        "RATE_LIMIT_PER_USER": "6/minute",
    }
    with running_server(database_url, env=env) as first, running_server(database_url, env=env) as second:
        yield [first, second]


def test_the_login_limit_holds_across_two_server_processes(
    two_servers: list[str], shared_redis: tuple[redis.Redis, str]
) -> None:
    first, second = two_servers
    with httpx.Client(timeout=10) as http:
        registered = http.post(
            f"{first}/api/v1/auth/register", json={"email": "shared@example.com", "password": PASSWORD}
        )
        assert registered.status_code == 201, registered.text

        # Six attempts for the account in all, alternating between the servers: each server
        # alone has seen only three, so only shared counts stop the seventh.
        statuses = []
        for attempt in range(8):
            server = (first, second)[attempt % 2]
            response = http.post(
                f"{server}/api/v1/auth/token",
                data={"username": "shared@example.com", "password": "wrong password"},
            )
            statuses.append(response.status_code)
        assert statuses == [400] * 6 + [429, 429]
        for server in (first, second):
            response = http.post(
                f"{server}/api/v1/auth/token", data={"username": "shared@example.com", "password": PASSWORD}
            )
            assert response.status_code == 429
            assert response.headers["content-type"] == "application/problem+json"
            assert int(response.headers["retry-after"]) >= 1
            assert response.headers["ratelimit-policy"] == '"login-account";q=6;w=60'

    client, prefix = shared_redis
    keys = [key.decode() for key in client.scan_iter(match=f"{prefix}*")]
    assert keys, "the counts live in Redis under the run's prefix"
    assert not any("shared@example.com" in key for key in keys), "emails are stored as digests"


def test_the_request_quota_holds_across_two_server_processes(
    two_servers: list[str], shared_redis: tuple[redis.Redis, str]
) -> None:
    first, second = two_servers
    with httpx.Client(timeout=10) as http:
        account = {"email": "quota@example.com", "password": PASSWORD}
        assert http.post(f"{first}/api/v1/auth/register", json=account).status_code == 201
        tokens = http.post(
            f"{second}/api/v1/auth/token", data={"username": account["email"], "password": PASSWORD}
        ).json()
        headers = {"Authorization": f"Bearer {tokens['access_token']}"}
        # Six requests of the user in all, alternating: each server alone has seen three.
        remaining = []
        for attempt in range(6):
            response = http.get(f"{(first, second)[attempt % 2]}/api/v1/tasks", headers=headers)
            assert response.status_code == 200, response.text
            assert response.headers["ratelimit-policy"] == '"user";q=6;w=60'
            remaining.append(response.headers["ratelimit"].split(";")[1])
        assert remaining == ["r=5", "r=4", "r=3", "r=2", "r=1", "r=0"]
        for server in (first, second):
            refused = http.get(f"{server}/api/v1/users/me", headers=headers)
            assert refused.status_code == 429
            assert refused.headers["content-type"] == "application/problem+json"
            assert refused.json()["detail"].startswith(
                "The request quota of 6 requests per 60 seconds is used up"
            )
            assert refused.headers["ratelimit"].startswith('"user";r=0;t=')

    client, prefix = shared_redis
    assert any(key.decode().startswith(prefix) for key in client.scan_iter(match=f"{prefix}*/user/*"))
