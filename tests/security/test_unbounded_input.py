"""Item 8: oversized, deeply nested, out-of-range and malformed input is a small 4xx problem,
never a 500 and never an echo of the input."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from impl.db.tables import TaskRow, UserRow
from tests.accounts import Account
from tests.problems import Response, assert_oauth2_error, assert_problem

TASKS = "/api/v1/tasks"
SMALL = 2_000  # bytes: a problem document, not the input


def assert_small_problem(response: Response, status: int) -> dict[str, Any]:
    body = assert_problem(response, status)
    assert len(response.content) < SMALL
    return body


@pytest.mark.parametrize(
    "limit", ["0", "-1", "101", "1000000000000000000000000000000", "1e3", "1.5", "ten", ""]
)
def test_a_limit_out_of_range_is_a_422(client: TestClient, alice: Account, limit: str) -> None:
    body = assert_small_problem(client.get(TASKS, params={"limit": limit}, headers=alice.headers), 422)
    assert body["errors"][0]["pointer"] == "/query/limit"


@pytest.mark.parametrize(
    "cursor", ["", "x" * 513, "A" * 60_000, "a.b", "../../etc/passwd", "'; DROP TABLE tasks; --"]
)
def test_a_huge_or_forged_cursor_is_a_422(client: TestClient, alice: Account, cursor: str) -> None:
    body = assert_small_problem(client.get(TASKS, params={"cursor": cursor}, headers=alice.headers), 422)
    assert body["errors"][0]["pointer"] == "/query/cursor"


def test_a_huge_offset_is_a_small_422(client: TestClient, alice: Account) -> None:
    response = client.get(TASKS, params={"offset": "9" * 5000}, headers=alice.headers)
    problem = assert_small_problem(response, 422)
    assert [error["pointer"] for error in problem["errors"]] == ["/query/offset"]


def test_a_10_mb_body_is_a_413_before_parsing(client: TestClient, alice: Account, db: Session) -> None:
    body = b'{"title": "' + b"x" * (10 * 1024 * 1024) + b'"}'
    response = client.post(TASKS, content=body, headers={**alice.headers, "Content-Type": "application/json"})
    assert_small_problem(response, 413)
    # Chunked, without a Content-Length: counted while it streams in.
    chunks = (body[i : i + 65536] for i in range(0, len(body), 65536))
    response = client.post(
        TASKS, content=chunks, headers={**alice.headers, "Content-Type": "application/json"}
    )
    assert_small_problem(response, 413)
    assert db.exec(select(TaskRow)).all() == []


def test_a_1_mb_title_is_a_small_422(client: TestClient, alice: Account) -> None:
    title = "T" * 1_000_000
    body = assert_small_problem(client.post(TASKS, json={"title": title}, headers=alice.headers), 422)
    assert "TTTTTTTT" not in str(body)


def test_deeply_nested_json_is_a_422(client: TestClient, alice: Account) -> None:
    for nested in ("[" * 200_000, "[" * 100_000 + "]" * 100_000, '{"a":' * 50_000 + "1" + "}" * 50_000):
        response = client.post(
            TASKS, content=nested, headers={**alice.headers, "Content-Type": "application/json"}
        )
        assert_small_problem(response, 422)


@pytest.mark.parametrize(
    ("path", "body"),
    [
        (TASKS, {"title": "a\u0000b"}),
        (TASKS, {"title": "ok", "description": "a\u0000b"}),
        ("/api/v1/auth/register", {"email": "nul@example.com", "password": "long enough\u0000password"}),
        ("/api/v1/auth/register", {"email": "n\u0000l@example.com", "password": "long enough password"}),
    ],
)
def test_nul_bytes_are_a_422(
    client: TestClient, alice: Account, db: Session, path: str, body: object
) -> None:
    assert_small_problem(client.post(path, json=body, headers=alice.headers), 422)
    assert db.exec(select(TaskRow)).all() == []
    assert len(db.exec(select(UserRow)).all()) == 1


def test_nul_bytes_in_a_login_form_are_an_invalid_request(client: TestClient) -> None:
    response = client.post("/api/v1/auth/token", data={"username": "a\x00@example.com", "password": "x\x00y"})
    body = assert_oauth2_error(response, "invalid_request")
    assert body["error_description"] == (
        "username must not contain the NUL character. password must not contain the NUL character."
    )


@pytest.mark.parametrize(
    "raw",
    [
        b'{"title": "\xff\xfe"}',
        b'{"title": "\xc3\x28"}',
        b'{"title": "\xed\xa0\x80"}',  # a surrogate encoded as UTF-8 (CESU-8)
        b'{"title": "\\ud800"}',  # an escaped lone surrogate
        b'{"title": "ok", "description": "\\udfff and more"}',
    ],
)
def test_invalid_utf8_and_lone_surrogates_are_a_422(
    client: TestClient, alice: Account, db: Session, raw: bytes
) -> None:
    response = client.post(TASKS, content=raw, headers={**alice.headers, "Content-Type": "application/json"})
    assert_small_problem(response, 422)
    assert db.exec(select(TaskRow)).all() == []


def test_a_paired_surrogate_escape_is_a_character(client: TestClient, alice: Account) -> None:
    raw = b'{"title": "\\ud83d\\ude00 done"}'
    response = client.post(TASKS, content=raw, headers={**alice.headers, "Content-Type": "application/json"})
    assert response.status_code == 201
    assert response.json()["title"] == "\U0001f600 done"


def test_lone_surrogates_in_a_query_are_not_a_500(client: TestClient, alice: Account) -> None:
    response = client.get(f"{TASKS}?cursor=%ED%A0%80&limit=%ED%A0%80", headers=alice.headers)
    assert_small_problem(response, 422)
