"""Every bad input is a 4xx problem+json naming what was wrong; never a 500, never an echo."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.accounts import Account
from tests.problems import assert_problem

TASKS = "/api/v1/tasks"


def test_unknown_path_is_a_404_problem(client: TestClient) -> None:
    assert_problem(client.get("/api/v1/nothing-here"), 404)


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("POST", "/api/v1/tasks/3f2b8c1e-2d4a-4e6f-9a8b-7c6d5e4f3a2b", "DELETE, GET, HEAD, PATCH, PUT"),
        ("DELETE", TASKS, "GET, HEAD, POST"),
        ("GET", "/api/v1/auth/token", "POST"),
        ("PUT", "/api/v1/users/me", "DELETE, GET, HEAD"),
    ],
)
def test_wrong_method_is_405_with_the_full_allow_list(
    client: TestClient, method: str, path: str, allow: str
) -> None:
    response = client.request(method, path)
    assert_problem(response, 405)
    assert response.headers["allow"] == allow


def test_wrong_media_type_is_415(client: TestClient, alice: Account) -> None:
    response = client.post(TASKS, content=b"title=x", headers={**alice.headers, "Content-Type": "text/plain"})
    assert "application/json" in str(assert_problem(response, 415)["detail"])
    form = client.post(TASKS, data={"title": "x"}, headers=alice.headers)
    assert_problem(form, 415)


def test_a_body_over_the_limit_is_413_before_parsing(client: TestClient, alice: Account) -> None:
    big = b'{"title": "' + b"a" * (1024 * 1024) + b'"}'
    response = client.post(TASKS, content=big, headers={**alice.headers, "Content-Type": "application/json"})
    assert_problem(response, 413)
    assert len(response.content) < 1000


def test_a_chunked_body_over_the_limit_is_413(client: TestClient, alice: Account) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(20):
            yield b"a" * 100_000

    response = client.post(
        TASKS, content=chunks(), headers={**alice.headers, "Content-Type": "application/json"}
    )
    assert_problem(response, 413)


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        (b'{"title": "\xff\xfe"}', "/body"),
        (b'{"title": ', "/body"),
        (b"[" * 50_000 + b"]" * 50_000, "/body"),
        (b'{"title": "a\\u0000b"}', "/body/title"),
        (b'{"title": "\\ud800"}', "/body"),
        (b'{"title": "   "}', "/body/title"),
        (b'{"title": "tab\\there"}', "/body/title"),
        (b'{"title": 5}', "/body/title"),
        (b'{"title": "x", "completed": "yes"}', "/body/completed"),
        (b'{"title": "x", "completed": 1}', "/body/completed"),
        (b'{"title": "x", "description": "a\\u0000"}', "/body/description"),
        (b'{"title": null}', "/body/title"),
        (b'"just a string"', "/body"),
        (b"", "/body"),
    ],
)
def test_malformed_bodies_are_422_with_a_pointer(
    client: TestClient, alice: Account, body: bytes, pointer: str
) -> None:
    response = client.post(TASKS, content=body, headers={**alice.headers, "Content-Type": "application/json"})
    problem = assert_problem(response, 422)
    pointers = [error["pointer"] for error in problem["errors"]]
    assert pointer in pointers, problem
    assert client.get(TASKS, headers=alice.headers).json()["items"] == []


def test_a_huge_title_is_rejected_without_echoing_it(client: TestClient, alice: Account) -> None:
    title = "A" * 500_000
    response = client.post(TASKS, json={"title": title}, headers=alice.headers)
    assert_problem(response, 422)
    assert len(response.content) < 2000


@pytest.mark.parametrize(
    "query", ["limit=0", "limit=101", "limit=-1", "limit=abc", "limit=1.5", f"limit={2**70}", "cursor="]
)
def test_bad_query_parameters_are_422(client: TestClient, alice: Account, query: str) -> None:
    problem = assert_problem(client.get(f"{TASKS}?{query}", headers=alice.headers), 422)
    assert problem["errors"][0]["pointer"].startswith("/query/")


def test_bad_path_parameter_is_422(client: TestClient, alice: Account) -> None:
    problem = assert_problem(client.get(f"{TASKS}/not-a-uuid", headers=alice.headers), 422)
    assert problem["errors"][0]["pointer"] == "/path/task_id"


def test_sql_metacharacters_are_data(client: TestClient, alice: Account) -> None:
    title = "'; DROP TABLE tasks; -- %_\\"
    created = client.post(TASKS, json={"title": title}, headers=alice.headers)
    assert created.status_code == 201
    assert client.get(f"{TASKS}/{created.json()['id']}", headers=alice.headers).json()["title"] == title


def test_every_response_carries_security_headers_and_a_request_id(client: TestClient, alice: Account) -> None:
    for response in (client.get(TASKS, headers=alice.headers), client.get("/api/v1/nothing")):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "no-referrer"
        assert "default-src 'none'" in response.headers["content-security-policy"]
        assert response.headers["cache-control"] == "no-store"
        assert len(response.headers["x-request-id"]) >= 8
    problem = client.get("/api/v1/nothing")
    assert problem.json()["request_id"] == problem.headers["x-request-id"]
