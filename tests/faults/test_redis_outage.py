"""Redis (the shared rate-limit counts) stopped or hung: the rate-limited operations answer
503 with Retry-After within a fraction of a second (they fail closed), everything else keeps
working, readiness says so within a second, and all heals when Redis is back."""

from __future__ import annotations

import time

import httpx

from tests.accounts import PASSWORD
from tests.faults.conftest import required
from tests.faults.redis_servers import available, hung_redis, own_redis
from tests.faults.server_process import running, wait_for
from tests.faults.workload import token

pytestmark = required(available(), "redis-server")
UNAVAILABLE = "urn:tasks-api:problem:rate-limiting-unavailable"
REDIS_TIMEOUT = 0.25  # the default REDIS_TIMEOUT_SECONDS


def login(http: httpx.Client, email: str) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = http.post("/api/v1/auth/token", data={"username": email, "password": PASSWORD})
    return response, time.monotonic() - started


def assert_unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.json()["type"] == UNAVAILABLE
    assert response.headers["retry-after"] == "1"


def test_redis_stopped_and_restarted(database_url: str) -> None:
    with own_redis() as redis:
        env = {"REDIS_URL": redis.url, "RATE_LIMIT_ENABLED": "true"}
        with running(database_url, env) as server, httpx.Client(base_url=server.url, timeout=30) as http:
            headers = {"Authorization": f"Bearer {token(server.url, 'rosa@example.com')}"}
            redis.stop()
            response, seconds = login(http, "rosa@example.com")
            assert_unavailable(response)
            assert seconds < REDIS_TIMEOUT + 1.0, seconds
            assert http.get("/api/v1/tasks", headers=headers).status_code == 200  # not rate-limited
            started = time.monotonic()
            ready = http.get("/api/v1/health/ready")
            assert ready.status_code == 503
            assert time.monotonic() - started <= 1.0

            redis.start()  # same port, empty
            back = wait_for(lambda: login(http, "rosa@example.com")[0].status_code == 200, timeout=10)
            assert http.get("/api/v1/health/ready").status_code == 200
            assert "Traceback" not in server.log()
            print(
                f"\nRedis down: 503 in {seconds * 1000:.0f} ms; logins back {back * 1000:.0f} ms after it was"
            )


def test_a_hung_redis_costs_a_login_at_most_its_timeout(database_url: str) -> None:
    with hung_redis() as url:
        env = {"REDIS_URL": url, "RATE_LIMIT_ENABLED": "true"}
        with running(database_url, env) as server, httpx.Client(base_url=server.url, timeout=30) as http:
            timings = []
            for _ in range(3):
                response, seconds = login(http, "nobody@example.com")
                assert_unavailable(response)
                timings.append(seconds)
            assert max(timings) < REDIS_TIMEOUT + 1.0, timings
            started = time.monotonic()
            assert http.get("/api/v1/health/ready").status_code == 503
            ready_seconds = time.monotonic() - started
            assert ready_seconds <= 1.0
            assert http.get("/api/v1/health/live").status_code == 200
            warnings = [line for line in server.json_lines() if line.get("logger") == "tasks_api.rate_limits"]
            assert len(warnings) == 1, "three failures in a row: one line"
            print(
                f"\nRedis hung: logins answered 503 in {', '.join(f'{t * 1000:.0f}' for t in timings)} ms; "
                f"readiness in {ready_seconds * 1000:.0f} ms"
            )
