"""Prometheus metrics on METRICS_PORT with two worker processes: one scrape adds up both
workers (prometheus-client's multiprocess mode), by route template and status, with the
in-flight gauge, the database pool, rate-limit rejections and problems by type. The API's
own port serves no /metrics: the public surface stays openapi.yaml."""

from __future__ import annotations

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.accounts import PASSWORD
from tests.faults.conftest import required
from tests.faults.redis_servers import available, own_redis
from tests.faults.server_process import running, wait_for
from tests.faults.workload import token
from tests.servers import free_port

REQUESTS = 40


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[sample.name, frozenset(sample.labels.items())] = sample.value
    return found


def value(found: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str) -> float:
    return found.get((name, frozenset(labels.items())), 0.0)


@required(available(), "redis-server")
def test_two_workers_are_scraped_as_one(database_url: str) -> None:
    metrics_port = free_port()
    with own_redis() as redis:
        env = {
            "WORKERS": "2",
            # Two workers sharing the supervisor's socket, on the loop that accepts by itself.
            "EVENT_LOOP": "uvloop",
            "METRICS_PORT": str(metrics_port),
            "REDIS_URL": redis.url,
            "RATE_LIMIT_ENABLED": "true",
            "RATE_LIMIT_LOGIN_PER_ACCOUNT": "3/minute",
        }
        with running(database_url, env) as server:
            headers = {"Authorization": f"Bearer {token(server.url, 'mia@example.com')}"}
            pids = set()
            for _ in range(REQUESTS):  # a new connection each: the kernel spreads them over the workers
                response = httpx.get(f"{server.url}/api/v1/tags", headers=headers, timeout=10)
                assert response.status_code == 200
            for _ in range(4):
                httpx.post(
                    f"{server.url}/api/v1/auth/token",
                    data={"username": "mia@example.com", "password": "wrong " + PASSWORD},
                    timeout=10,
                )
            missing = httpx.get(
                f"{server.url}/api/v1/tasks/0b9d1c9e-4a57-4f55-9d0c-2c3b5d1c7a10", headers=headers
            )
            assert missing.status_code == 404
            assert httpx.get(f"{server.url}/metrics", timeout=10).status_code == 404
            scrape = f"http://127.0.0.1:{metrics_port}/metrics"
            with httpx.stream("GET", f"{server.url}/api/v1/events", headers=headers, timeout=10) as stream:
                assert stream.status_code == 200
                # Sampled once a second: an open stream shows within a few.
                wait_for(
                    lambda: (
                        value(samples(httpx.get(scrape, timeout=10).text), "tasks_api_event_streams_open")
                        == 1
                    ),
                    timeout=10,
                )
            scraped = httpx.get(scrape, timeout=10)
            for line in server.json_lines():
                if "Started server process" in line["message"]:
                    pids.add(line["message"])

    assert scraped.status_code == 200
    found = samples(scraped.text)
    assert len(pids) == 2, "two workers served"
    tags = {"method": "GET", "route": "/api/v1/tags", "status": "200"}
    assert value(found, "tasks_api_http_requests_total", **tags) == REQUESTS
    assert value(found, "tasks_api_http_request_duration_seconds_count", **tags) == REQUESTS
    assert value(found, "tasks_api_http_request_duration_seconds_bucket", **tags, le="+Inf") == REQUESTS
    by_id = {"method": "GET", "route": "/api/v1/tasks/{task_id}", "status": "404"}
    assert value(found, "tasks_api_http_requests_total", **by_id) == 1
    # the missing task, and /metrics asked of the API's port
    assert value(found, "tasks_api_problems_total", type="not-found", status="404") == 2
    # 3 logins a minute for the account: the one in token() and two wrong ones; then two 429s
    assert value(found, "tasks_api_problems_total", type="rate-limited", status="429") == 2
    assert value(found, "tasks_api_rate_limit_rejections_total", policy="login-account") == 2
    assert value(found, "tasks_api_http_requests_in_flight") == 0
    assert ("tasks_api_db_pool_connections_in_use", frozenset()) in found
    assert ("tasks_api_db_pool_waiting", frozenset()) in found
    assert ("tasks_api_db_pool_timeouts_total", frozenset()) in found
