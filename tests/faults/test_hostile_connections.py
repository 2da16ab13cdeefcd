"""Hostile or broken clients against a real server process, with no proxy in front: a 64 MiB
header, slowloris headers, a body that never finishes, idle sockets, and more connections
than the process has file descriptors. Each is cut off within its configured limit, and
other clients are served meanwhile."""

from __future__ import annotations

import json
import os
import resource
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.faults.server_process import Server, running, wait_for

HEADER_TIMEOUT = 1.0
BODY_TIMEOUT = 1.0
DESCRIPTORS = 256
MAX_CONNECTIONS = 100
MARGIN = 1.5  # scheduling slack on a busy machine, on top of each configured limit


def limit_descriptors() -> None:
    resource.setrlimit(resource.RLIMIT_NOFILE, (DESCRIPTORS, DESCRIPTORS))


@pytest.fixture(scope="module", params=["asyncio", "uvloop"])
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One server per event loop (impl/server/loop.py: each does its own accepting)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('hostile') / 'tasks.db'}"
    env = {
        "EVENT_LOOP": request.param,
        "HEADER_READ_TIMEOUT_SECONDS": str(HEADER_TIMEOUT),
        "BODY_READ_TIMEOUT_SECONDS": str(BODY_TIMEOUT),
        "MAX_CONNECTIONS": str(MAX_CONNECTIONS),
    }
    with running(url, env, preexec_fn=limit_descriptors) as started:
        yield started


def connect(server: Server) -> socket.socket:
    return socket.create_connection(("127.0.0.1", server.port), timeout=10)


def read_until_closed(sock: socket.socket, timeout: float) -> bytes:
    sock.settimeout(timeout)
    chunks: list[bytes] = []
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def problem(answer: bytes) -> tuple[int, dict[str, object]]:
    head, _, body = answer.partition(b"\r\n\r\n")
    status = int(head.split(b" ")[1])
    assert b"content-type: application/problem+json" in head.lower()
    document: dict[str, object] = json.loads(body)
    return status, document


class LatencyProbe:
    """Asks /health/live on fresh connections in a loop; keeps the slowest answer."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.slowest = 0.0
        self.failures = 0
        self.answers = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            started = time.monotonic()
            try:
                status = httpx.get(f"{self.server.url}/api/v1/health/live", timeout=5).status_code
            except httpx.TransportError:
                status = 0
            self.slowest = max(self.slowest, time.monotonic() - started)
            self.answers += 1
            self.failures += status != 200
            time.sleep(0.01)

    def __enter__(self) -> LatencyProbe:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)


def send_huge_header(server: Server) -> tuple[bytes, float]:
    with connect(server) as attacker:
        started = time.monotonic()
        attacker.sendall(b"GET /api/v1/health/live HTTP/1.1\r\nHost: x\r\nX-Padding: ")
        chunk = b"a" * (1 << 20)
        try:
            for _ in range(64):
                attacker.sendall(chunk)
        except OSError:
            pass  # the server may have hung up once it answered
        return read_until_closed(attacker, timeout=10), time.monotonic() - started


def test_64_mib_headers_are_refused_at_once_and_block_nobody(server: Server) -> None:
    results: list[tuple[bytes, float]] = []
    with LatencyProbe(server) as probe:
        time.sleep(0.1)
        attackers = [
            threading.Thread(target=lambda: results.append(send_huge_header(server))) for _ in range(4)
        ]
        for attacker in attackers:
            attacker.start()
        for attacker in attackers:
            attacker.join(timeout=30)
        time.sleep(0.1)
    assert len(results) == 4
    for answer, elapsed in results:
        status, document = problem(answer)
        assert status == 431
        assert document["type"] == "urn:tasks-api:problem:header-fields-too-large"
        assert elapsed < 2.0, elapsed
    assert probe.failures == 0
    assert probe.slowest < 1.0, probe.slowest  # it was 11 s: the whole event loop parsed the header
    print(
        f"\n4 x 64 MiB headers at once: 431 after {max(e for _, e in results) * 1000:.0f} ms at most; "
        f"other clients' slowest answer {probe.slowest * 1000:.0f} ms over {probe.answers} requests"
    )


def drip_header_lines(sock: socket.socket, seconds: float) -> bytes:
    """Send one short header line every 0.2 s until the server hangs up; return its answer."""
    sock.settimeout(0.2)
    answer = b""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            sock.sendall(b"X-A: b\r\n")
            chunk = sock.recv(65536)
        except TimeoutError:
            continue
        except OSError:
            return answer
        if not chunk:
            return answer
        answer += chunk
    raise AssertionError("the server kept listening to a slowloris client")


def test_slowloris_headers_are_cut_off_at_the_header_timeout(server: Server) -> None:
    with connect(server) as sock:
        started = time.monotonic()
        sock.sendall(b"GET /api/v1/health/live HTTP/1.1\r\nHost: x\r\n")
        answer = drip_header_lines(sock, seconds=30)
        elapsed = time.monotonic() - started
    status, _ = problem(answer)
    assert status == 408
    assert HEADER_TIMEOUT - 0.1 <= elapsed < HEADER_TIMEOUT + MARGIN, elapsed
    print(f"\nslowloris: 408 and closed after {elapsed * 1000:.0f} ms")


def test_a_body_shorter_than_its_content_length_is_cut_off(server: Server) -> None:
    with connect(server) as sock:
        started = time.monotonic()
        sock.sendall(
            b"POST /api/v1/auth/register HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b'Content-Length: 100\r\n\r\n{"email": '
        )
        answer = read_until_closed(sock, timeout=BODY_TIMEOUT + 10)
        elapsed = time.monotonic() - started
    status, _ = problem(answer)
    assert status == 408
    assert BODY_TIMEOUT - 0.1 <= elapsed < BODY_TIMEOUT + MARGIN, elapsed

    def abandoned_request_logged() -> bool:
        # Abandoned before routing (the body is read first): the line names the path.
        gone = [line for line in server.access_lines() if line.get("client_disconnected")]
        return bool(gone) and gone[-1].get("path") == "/api/v1/auth/register"

    wait_for(abandoned_request_logged, timeout=5)
    print(f"\nstalled body: 408 and closed after {elapsed * 1000:.0f} ms")


def test_idle_connections_are_closed_at_the_header_timeout(server: Server) -> None:
    sockets = [connect(server) for _ in range(20)]
    started = time.monotonic()
    try:
        for sock in sockets:
            assert read_until_closed(sock, timeout=HEADER_TIMEOUT + 10) == b""
        elapsed = time.monotonic() - started
    finally:
        for sock in sockets:
            sock.close()
    assert elapsed < HEADER_TIMEOUT + MARGIN, elapsed
    print(f"\n20 idle connections: all closed after {elapsed * 1000:.0f} ms")


def open_descriptors(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def live(server: Server) -> httpx.Response | None:
    try:
        return httpx.get(f"{server.url}/api/v1/health/live", timeout=10)
    except httpx.TransportError:
        return None  # closed at once: the server is past its ceiling


def test_more_connections_than_descriptors_get_503s_not_a_locked_out_server(server: Server) -> None:
    flood: list[socket.socket] = []
    try:
        flood += [connect(server) for _ in range(MAX_CONNECTIONS + 20)]
        busy = live(server)  # over MAX_CONNECTIONS: answered, with a 503
        assert busy is not None
        assert busy.status_code == 503
        assert busy.headers["retry-after"] == "1"
        assert busy.json()["type"] == "urn:tasks-api:problem:server-busy"

        flood += [connect(server) for _ in range(DESCRIPTORS)]  # more than the process could hold
        peak = open_descriptors(server.process.pid)
        started = time.monotonic()
        live(server)  # answered or closed, at once: never left waiting
        first_answer = time.monotonic() - started
        served = wait_for(
            lambda: (answer := live(server)) is not None and answer.status_code == 200,
            timeout=HEADER_TIMEOUT + 10,
        )
    finally:
        for sock in flood:
            sock.close()
    assert peak < DESCRIPTORS, peak
    assert first_answer < 2.0, first_answer
    assert served < HEADER_TIMEOUT + MARGIN, served
    assert "Too many open files" not in server.log()
    print(
        f"\n{len(flood)} idle connections against {DESCRIPTORS} descriptors: 503 past {MAX_CONNECTIONS}, "
        f"the server peaked at {peak} open descriptors, and served 200 again after {served * 1000:.0f} ms"
    )


def test_the_server_log_is_not_flooded(server: Server, tmp_path: Path) -> None:
    warnings = [line for line in server.json_lines() if line.get("logger") == "tasks_api.connections"]
    assert len(warnings) <= 12, [line["message"] for line in warnings]
