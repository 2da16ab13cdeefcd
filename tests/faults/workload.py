"""Clients for the fault tests: an account, and writers that record every answer."""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass, field

import httpx

from tests.accounts import PASSWORD

PROBLEM = "application/problem+json"


def token(base_url: str, email: str | None = None) -> str:
    email = email or f"{uuid.uuid4().hex[:12]}@example.com"
    with httpx.Client(base_url=base_url, timeout=30) as http:
        registered = http.post("/api/v1/auth/register", json={"email": email, "password": PASSWORD})
        assert registered.status_code == 201, registered.text
        issued = http.post("/api/v1/auth/token", data={"username": email, "password": PASSWORD})
        assert issued.status_code == 200, issued.text
        access: str = issued.json()["access_token"]
        return access


@dataclass
class Answer:
    status: int
    at: float
    task_id: str | None = None
    problem_type: str | None = None
    retry_after: str | None = None


@dataclass
class Writers:
    """Threads that create tasks until stopped, recording every answer (or transport error)."""

    base_url: str
    access_token: str
    threads: int = 4
    answers: list[Answer] = field(default_factory=list)
    transport_errors: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _workers: list[threading.Thread] = field(default_factory=list)

    def __enter__(self) -> Writers:
        for number in range(self.threads):
            worker = threading.Thread(target=self._write, args=(number,), daemon=True)
            worker.start()
            self._workers.append(worker)
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        for worker in self._workers:
            worker.join(timeout=30)

    def _write(self, number: int) -> None:
        headers = {"Authorization": f"Bearer {self.access_token}"}
        with httpx.Client(base_url=self.base_url, headers=headers, timeout=15) as http:
            sequence = 0
            while not self._stop.is_set():
                sequence += 1
                try:
                    response = http.post("/api/v1/tasks", json={"title": f"writer {number} #{sequence}"})
                except httpx.TransportError:
                    with self._lock:
                        self.transport_errors += 1
                    time.sleep(0.01)
                    continue
                answer = Answer(response.status_code, time.monotonic())
                if response.status_code == 201:
                    answer.task_id = response.json()["id"]
                elif response.headers.get("content-type") == PROBLEM:
                    answer.problem_type = response.json()["type"]
                    answer.retry_after = response.headers.get("retry-after")
                with self._lock:
                    self.answers.append(answer)
                if response.status_code == 503:
                    time.sleep(0.01)

    def acknowledged(self) -> set[str]:
        return {answer.task_id for answer in self.answers if answer.task_id}
