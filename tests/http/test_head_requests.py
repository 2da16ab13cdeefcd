"""HEAD as the contract declares it (on every path with a GET) and bodiless responses: the
same status and headers as GET without a body, and no Content-Type on a 204 or a 304."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from generated.contract import CONTRACT
from tests.accounts import Account, LoggedIn
from tests.tasks.task_requests import TASKS, create, task_url

# Headers that differ between any two responses.
PER_RESPONSE = {"date", "x-request-id", "ratelimit"}


def comparable(headers: Any) -> dict[str, str]:
    return {name: value for name, value in headers.items() if name not in PER_RESPONSE}


def test_the_contract_declares_head_wherever_there_is_a_get() -> None:
    for path, item in CONTRACT["paths"].items():
        assert ("get" in item) == ("head" in item), path


@pytest.mark.parametrize(
    "path", ["/api/v1/users/me", TASKS, "TASK", "/api/v1/tags", "/api/v1/health/live", "/api/v1/health/ready"]
)
def test_head_answers_like_get_without_a_body(client: TestClient, alice: Account, path: str) -> None:
    if path == "TASK":
        path = task_url(create(client, alice, tags=["x"]))
    get = client.get(path, headers=alice.headers)
    head = client.head(path, headers=alice.headers)
    assert (head.status_code, head.content) == (200, b"")
    assert comparable(head.headers) == comparable(get.headers)
    assert head.headers["content-length"] == str(len(get.content))


def test_head_of_a_task_has_its_etag_and_answers_if_none_match(client: TestClient, alice: Account) -> None:
    task = create(client, alice)
    head = client.head(task_url(task), headers=alice.headers)
    assert head.headers["etag"] == task["etag"]
    unchanged = client.head(task_url(task), headers={**alice.headers, "If-None-Match": task["etag"]})
    assert (unchanged.status_code, unchanged.content) == (304, b"")
    assert unchanged.headers["etag"] == task["etag"]
    assert "content-type" not in unchanged.headers


def test_head_errors_are_the_gets_without_a_body(client: TestClient, alice: Account) -> None:
    missing = f"{TASKS}/3f2b8c1e-2d4a-4e6f-9a8b-7c6d5e4f3a2b"
    for path, headers, status in (
        (missing, alice.headers, 404),
        (TASKS, {}, 401),
        (f"{TASKS}?limit=0", alice.headers, 422),
    ):
        get = client.get(path, headers=headers)
        head = client.head(path, headers=headers)
        assert (get.status_code, head.status_code, head.content) == (status, status, b"")
        assert head.headers["content-type"] == "application/problem+json"


def test_bodiless_responses_have_no_content_type(
    client: TestClient, log_in: Callable[[str], LoggedIn]
) -> None:
    alice = log_in("alice@example.com")
    task = create(client, alice)
    unchanged = client.get(task_url(task), headers={**alice.headers, "If-None-Match": task["etag"]})
    deleted = client.delete(task_url(task), headers=alice.headers)
    logged_out = client.post(
        "/api/v1/auth/logout", json={"refresh_token": alice.refresh_token}, headers=alice.headers
    )
    for response, status in ((unchanged, 304), (deleted, 204), (logged_out, 204)):
        assert (response.status_code, response.content) == (status, b"")
        assert "content-type" not in response.headers
        assert "content-length" not in response.headers or response.headers["content-length"] == "0"
