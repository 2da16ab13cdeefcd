"""The database goes away under write load, comes back, locks up, freezes: every answer is a
success or a 503 problem with Retry-After (never a 500, never a hang), no acknowledged write
is lost, the log gets a few lines instead of a traceback per request, and the service heals
itself within a second of the database being back."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import threading
import time
from pathlib import Path

import httpx
import psycopg
import pytest

from tests.faults.postgres_cluster import PostgresCluster
from tests.faults.server_process import running, wait_for
from tests.faults.workload import Writers, token

DATABASE_PROBLEMS = {
    "urn:tasks-api:problem:database-unavailable",
    "urn:tasks-api:problem:database-timeout",
    "urn:tasks-api:problem:database-busy",
}


def stored_ids(database_url: str) -> set[str]:
    with psycopg.connect(database_url) as connection:
        return {str(row[0]) for row in connection.execute("SELECT id FROM tasks")}


def test_the_database_stopped_under_write_load(cluster: PostgresCluster, database_url: str) -> None:
    with running(database_url, {"DATABASE_CONNECT_TIMEOUT_SECONDS": "2"}) as server:
        access_token = token(server.url)
        with Writers(server.url, access_token) as writers:
            wait_for(lambda: len(writers.acknowledged()) >= 20, timeout=30)
            cluster.stop("fast")  # in-flight statements lose their connections
            stopped_at = time.monotonic()
            wait_for(lambda: sum(a.status == 503 and a.at > stopped_at for a in writers.answers) >= 50, 30)
            cluster.start()
            back_at = time.monotonic()
            # Recovery: the first success of a request sent after the database was back.
            with httpx.Client(base_url=server.url, timeout=5) as http:
                headers = {"Authorization": f"Bearer {access_token}"}
                recovery = wait_for(
                    lambda: http.get("/api/v1/tasks", headers=headers).status_code == 200, timeout=10
                )
            wait_for(lambda: any(a.status == 201 and a.at > back_at for a in writers.answers), timeout=10)

        statuses = {answer.status for answer in writers.answers}
        assert statuses <= {201, 503}, statuses
        outage = [answer for answer in writers.answers if answer.status == 503]
        assert {answer.problem_type for answer in outage} <= DATABASE_PROBLEMS
        assert all(answer.retry_after == "1" for answer in outage)
        assert writers.transport_errors == 0
        assert writers.acknowledged() <= stored_ids(database_url), "an acknowledged write was lost"
        assert recovery <= 1.0, f"recovered {recovery:.2f} s after the database was back"

        log = server.log()
        assert "Traceback" not in log
        database_lines = [line for line in server.json_lines() if line.get("logger") == "tasks_api.database"]
        assert 1 <= len(database_lines) <= 6, f"{len(database_lines)} lines for {len(outage)} failures"
        print(
            f"\noutage: {len(outage)} 503s, {len(writers.acknowledged())} writes acknowledged and kept, "
            f"{len(database_lines)} database log lines, recovery {recovery * 1000:.0f} ms"
        )


def hold_lock(database_url: str) -> psycopg.Connection[tuple[object, ...]]:
    blocker = psycopg.connect(database_url)
    blocker.execute("LOCK TABLE tasks IN ACCESS EXCLUSIVE MODE")
    return blocker


def test_a_locked_table_is_a_503_within_the_lock_timeout(database_url: str) -> None:
    with running(database_url, {"DATABASE_LOCK_TIMEOUT_MS": "300"}) as server:
        headers = {"Authorization": f"Bearer {token(server.url)}"}
        blocker = hold_lock(database_url)
        try:
            with httpx.Client(base_url=server.url, headers=headers, timeout=30) as http:
                started = time.monotonic()
                response = http.post("/api/v1/tasks", json={"title": "blocked"})
                elapsed = time.monotonic() - started
        finally:
            blocker.close()
        assert response.status_code == 503
        assert response.json()["type"] == "urn:tasks-api:problem:database-timeout"
        assert response.headers["retry-after"] == "1"
        assert elapsed < 0.3 + 2.0, elapsed
        with psycopg.connect(database_url) as connection:
            assert connection.execute("SELECT count(*) FROM tasks WHERE title = 'blocked'").fetchone() == (0,)
        print(f"\nlock timeout 300 ms: 503 after {elapsed * 1000:.0f} ms")


def test_a_hung_statement_and_an_exhausted_pool_are_503s_within_their_timeouts(database_url: str) -> None:
    env = {
        "DATABASE_LOCK_TIMEOUT_MS": "60000",  # only the statement timeout bounds the wait
        "DATABASE_STATEMENT_TIMEOUT_MS": "1500",
        "DATABASE_POOL_SIZE": "1",
        "DATABASE_POOL_TIMEOUT_SECONDS": "0.5",
    }
    with running(database_url, env) as server:
        headers = {"Authorization": f"Bearer {token(server.url)}"}
        blocker = hold_lock(database_url)
        results: dict[str, tuple[httpx.Response, float]] = {}

        def timed(name: str) -> None:
            with httpx.Client(base_url=server.url, headers=headers, timeout=30) as http:
                started = time.monotonic()
                response = http.get("/api/v1/tasks")
                results[name] = (response, time.monotonic() - started)

        try:
            hung = threading.Thread(target=timed, args=("hung",))
            hung.start()
            time.sleep(0.3)  # the first request now holds the only connection, waiting
            timed("queued")
            hung.join(timeout=30)
        finally:
            blocker.close()
        hung_response, hung_seconds = results["hung"]
        queued_response, queued_seconds = results["queued"]
        assert hung_response.status_code == 503
        assert hung_response.json()["type"] == "urn:tasks-api:problem:database-timeout"
        assert hung_seconds < 1.5 + 2.0, hung_seconds
        assert queued_response.status_code == 503
        assert queued_response.json()["type"] == "urn:tasks-api:problem:database-busy"
        assert queued_seconds < 0.5 + 2.0, queued_seconds
        assert "Traceback" not in server.log()
        print(
            f"\nstatement timeout 1.5 s: 503 after {hung_seconds * 1000:.0f} ms; "
            f"pool timeout 0.5 s: 503 after {queued_seconds * 1000:.0f} ms"
        )


def cluster_processes(cluster: PostgresCluster) -> list[int]:
    postmaster = cluster.postmaster_pid()
    children = subprocess.run(
        ["pgrep", "-P", str(postmaster)], capture_output=True, text=True, check=False
    ).stdout.split()
    return [postmaster, *map(int, children)]


def test_readiness_answers_within_a_second_while_the_database_is_frozen(
    cluster: PostgresCluster, database_url: str
) -> None:
    with running(database_url) as server, httpx.Client(base_url=server.url, timeout=30) as http:
        assert http.get("/api/v1/health/ready").status_code == 200
        frozen = cluster_processes(cluster)
        for pid in frozen:
            os.kill(pid, signal.SIGSTOP)
        try:
            started = time.monotonic()
            response = http.get("/api/v1/health/ready")
            elapsed = time.monotonic() - started
            assert http.get("/api/v1/health/live").status_code == 200
        finally:
            for pid in frozen:
                os.kill(pid, signal.SIGCONT)
        assert response.status_code == 503
        assert response.headers["retry-after"] == "1"
        assert elapsed <= 1.0, elapsed
        recovery = wait_for(lambda: http.get("/api/v1/health/ready").status_code == 200, timeout=10)
        print(
            f"\nreadiness with a frozen database: 503 in {elapsed * 1000:.0f} ms, ready again after "
            f"{recovery * 1000:.0f} ms"
        )


@pytest.mark.parametrize("busy_timeout_ms", [300])
def test_sqlite_locked_beyond_the_busy_timeout_is_a_503(tmp_path: Path, busy_timeout_ms: int) -> None:
    database = tmp_path / "locked.db"
    url = f"sqlite:///{database}"
    with running(url, {"DATABASE_LOCK_TIMEOUT_MS": str(busy_timeout_ms)}) as server:
        headers = {"Authorization": f"Bearer {token(server.url)}"}
        writer = sqlite3.connect(database, isolation_level=None)
        writer.execute("BEGIN IMMEDIATE")  # another process holds SQLite's write lock
        try:
            with httpx.Client(base_url=server.url, headers=headers, timeout=30) as http:
                started = time.monotonic()
                response = http.post("/api/v1/tasks", json={"title": "waits"})
                elapsed = time.monotonic() - started
                assert http.get("/api/v1/tasks").status_code == 200  # readers are not blocked
        finally:
            writer.execute("ROLLBACK")
            writer.close()
        assert response.status_code == 503
        # SQLite's one writer stayed taken: the service is busy (impl/db/sqlite.py).
        assert response.json()["type"] == "urn:tasks-api:problem:database-busy"
        assert response.headers["retry-after"] == "1"
        assert elapsed < busy_timeout_ms / 1000 + 2.0
        with httpx.Client(base_url=server.url, headers=headers, timeout=30) as http:
            assert http.post("/api/v1/tasks", json={"title": "after"}).status_code == 201


def test_a_client_that_gives_up_is_logged(database_url: str) -> None:
    env = {"DATABASE_LOCK_TIMEOUT_MS": "60000"}
    with running(database_url, env) as server:
        access_token = token(server.url)
        blocker = hold_lock(database_url)
        try:
            body = b'{"title": "nobody waits for me"}'
            with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
                sock.sendall(
                    b"POST /api/v1/tasks HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    + f"Authorization: Bearer {access_token}\r\nX-Request-ID: gave-up-0123456789\r\n".encode()
                    + f"Content-Length: {len(body)}\r\n\r\n".encode()
                    + body
                )
                wait_for(lambda: waiting_on_locks(database_url) >= 1, timeout=10)
        finally:
            blocker.close()  # the client is gone; the write goes ahead

        def logged() -> bool:
            lines = [line for line in server.access_lines() if line["request_id"] == "gave-up-0123456789"]
            return bool(lines) and lines[0].get("client_disconnected") is True

        wait_for(logged, timeout=10)
        line = next(line for line in server.access_lines() if line["request_id"] == "gave-up-0123456789")
    assert line["level"] == "WARNING"
    assert line["route"] == "/api/v1/tasks"


def waiting_on_locks(database_url: str) -> int:
    with psycopg.connect(database_url) as connection:
        row = connection.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE wait_event_type = 'Lock' AND datname = current_database()"
        ).fetchone()
        return int(row[0]) if row else 0


def test_a_frozen_database_costs_a_request_its_deadline_then_heals(
    cluster: PostgresCluster, database_url: str
) -> None:
    # A server that hangs instead of timing out its statements: the unit of work's deadline
    # (the statement timeout plus 2 s, impl/db/engine.py) bounds the wait.
    deadline = 1.0 + 2.0
    with running(database_url, {"DATABASE_STATEMENT_TIMEOUT_MS": "1000"}) as server:
        headers = {"Authorization": f"Bearer {token(server.url)}"}
        with httpx.Client(base_url=server.url, headers=headers, timeout=30) as http:
            assert http.get("/api/v1/tasks").status_code == 200  # a pooled connection exists
            frozen = cluster_processes(cluster)
            for pid in frozen:
                os.kill(pid, signal.SIGSTOP)
            try:
                started = time.monotonic()
                response = http.get("/api/v1/tasks")
                elapsed = time.monotonic() - started
            finally:
                for pid in frozen:
                    os.kill(pid, signal.SIGCONT)
            thawed_at = time.monotonic()
            recovery = wait_for(lambda: http.get("/api/v1/tasks").status_code == 200, timeout=10)
            recovered_after = time.monotonic() - thawed_at
    assert response.status_code == 503
    assert response.json()["type"] in DATABASE_PROBLEMS
    assert response.headers["retry-after"] == "1"
    assert elapsed < deadline + 1.5, elapsed
    assert recovered_after <= 1.0, recovered_after
    print(
        f"\nfrozen database: 503 after {elapsed * 1000:.0f} ms (deadline {deadline:g} s); "
        f"served again {recovery * 1000:.0f} ms after it thawed"
    )
