"""Item 6: a login with an unknown email and one with a wrong password get the same status,
the same body and about the same time (the unknown email pays for a dummy hash)."""

from __future__ import annotations

import statistics
import time

from fastapi.testclient import TestClient

from tests.conftest import Account, assert_problem

TOKEN = "/api/v1/auth/token"
ROUNDS = 7


def attempt(client: TestClient, username: str) -> tuple[float, object]:
    started = time.perf_counter()
    response = client.post(TOKEN, data={"username": username, "password": "wrong password!"})
    return time.perf_counter() - started, response


def comparable(response: object) -> dict[str, object]:
    body = assert_problem(response, 401)
    return {key: value for key, value in body.items() if key != "request_id"}


def test_unknown_email_and_wrong_password_look_the_same(client: TestClient, alice: Account) -> None:
    _, unknown = attempt(client, "nobody@example.com")
    _, wrong = attempt(client, alice.email)
    assert comparable(unknown) == comparable(wrong)
    for name in ("www-authenticate", "content-type", "content-length"):
        assert unknown.headers.get(name) == wrong.headers.get(name)  # type: ignore[attr-defined]


def test_unknown_email_and_wrong_password_take_similar_time(client: TestClient, alice: Account) -> None:
    # Interleaved, so that noise on a shared machine hits both sides alike; medians, and a
    # generous ratio: argon2id (~tens of ms) against a bare lookup (~1 ms) would be >10x.
    unknown, wrong = [], []
    for _ in range(ROUNDS):
        unknown.append(attempt(client, "nobody@example.com")[0])
        wrong.append(attempt(client, alice.email)[0])
    ratio = statistics.median(unknown) / statistics.median(wrong)
    unknown_ms, wrong_ms = statistics.median(unknown) * 1000, statistics.median(wrong) * 1000
    print(f"median unknown {unknown_ms:.1f} ms, wrong {wrong_ms:.1f} ms")
    assert 0.5 < ratio < 2.0, ratio
