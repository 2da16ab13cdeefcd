"""Scale-out, proven: two instances behind nginx (deploy/nginx.conf), sharing PostgreSQL and
Redis, under a mixed workload; one is killed with SIGKILL mid-load. No acknowledged write is
lost, the login limit is one limit across both, and the survivor serves everything."""

from __future__ import annotations

import signal
import threading
import time
from contextlib import ExitStack
from dataclasses import dataclass, field

import httpx
import psycopg

from tests.accounts import PASSWORD
from tests.faults import nginx_proxy, redis_servers
from tests.faults.conftest import required
from tests.faults.server_process import running, wait_for
from tests.faults.workload import Writers, token

pytestmark = required(nginx_proxy.available() and redis_servers.available(), "nginx and redis-server")


@dataclass
class Readers:
    base_url: str
    access_token: str
    statuses: list[tuple[float, int]] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __enter__(self) -> Readers:
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=30)

    def _read(self) -> None:
        headers = {"Authorization": f"Bearer {self.access_token}"}
        with httpx.Client(base_url=self.base_url, headers=headers, timeout=15) as http:
            while not self._stop.is_set():
                try:
                    status = http.get("/api/v1/tasks", params={"limit": 20}).status_code
                except httpx.TransportError:
                    status = 0
                self.statuses.append((time.monotonic(), status))


def test_two_instances_behind_nginx_survive_losing_one(database_url: str) -> None:
    with ExitStack() as stack:
        redis = stack.enter_context(redis_servers.own_redis())
        env = {
            "REDIS_URL": redis.url,
            "RATE_LIMIT_ENABLED": "true",
            "RATE_LIMIT_LOGIN_PER_ACCOUNT": "6/minute",
            "RATE_LIMIT_LOGIN_PER_ADDRESS": "1000/minute",
            "RATE_LIMIT_REGISTER_PER_ADDRESS": "1000/minute",
            # Three writers and a reader share one account: the per-user quota (600 a minute by
            # default) is not what this test measures.
            "RATE_LIMIT_PER_USER": "1000000/minute",
        }
        first = stack.enter_context(running(database_url, env))
        second = stack.enter_context(running(database_url, env))
        proxy = stack.enter_context(nginx_proxy.nginx_in_front_of([first.port, second.port]))

        # Rate limits are shared: 8 wrong passwords for one account through the proxy.
        token(proxy, "limited@example.com")  # one successful login: 5 attempts left
        with httpx.Client(base_url=proxy, timeout=10) as http:
            statuses = [
                http.post(
                    "/api/v1/auth/token",
                    data={"username": "limited@example.com", "password": "wrong password"},
                ).status_code
                for _ in range(7)
            ]
        # A wrong password is an OAuth2 invalid_grant (400); past the shared limit, 429.
        assert statuses == [400] * 5 + [429, 429]
        served_by = {server.port: len(server.access_lines()) for server in (first, second)}
        assert all(count > 0 for count in served_by.values()), f"both instances served: {served_by}"

        access_token = token(proxy)
        with Writers(proxy, access_token, threads=3) as writers, Readers(proxy, access_token) as readers:
            wait_for(lambda: len(writers.acknowledged()) >= 30, timeout=30)
            first.send(signal.SIGKILL)
            killed_at = time.monotonic()
            first.wait_exit(timeout=10)
            wait_for(lambda: sum(a.at > killed_at + 1 and a.status == 201 for a in writers.answers) >= 30, 30)
            wait_for(lambda: sum(at > killed_at + 1 for at, _ in readers.statuses) >= 30, timeout=30)

        with httpx.Client(base_url=proxy, timeout=10) as http:
            after = http.post(
                "/api/v1/auth/token", data={"username": "limited@example.com", "password": PASSWORD}
            )
            assert after.status_code == 429, "the survivor still sees the shared count"

    with psycopg.connect(database_url) as connection:
        stored = {str(row[0]) for row in connection.execute("SELECT id FROM tasks")}
    acknowledged = writers.acknowledged()
    assert acknowledged <= stored, "an acknowledged write was lost"
    late_writes = [a.status for a in writers.answers if a.at > killed_at + 1]
    late_reads = [status for at, status in readers.statuses if at > killed_at + 1]
    assert set(late_writes) == {201}, "a second after the kill, the survivor serves every write"
    assert set(late_reads) == {200}, "and every read"
    cut = [a.status for a in writers.answers if killed_at <= a.at <= killed_at + 1 and a.status != 201]
    assert set(cut) <= {502}, cut
    print(
        f"\nscale-out: {len(acknowledged)} writes acknowledged, all stored; {len(cut)} write(s) cut by the "
        f"kill (502, not acknowledged); then {len(late_writes)} writes, {len(late_reads)} reads, all served"
    )
