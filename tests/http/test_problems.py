"""Every bad input is a 4xx problem+json naming what was wrong; never a 500, never an echo."""

from __future__ import annotations

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
