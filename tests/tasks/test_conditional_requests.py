"""ETag on every single-task response; If-None-Match on GET; If-Match on every write."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.accounts import Account
from tests.problems import assert_problem
from tests.tasks.task_requests import TASKS, create, task_url

WRITES = [
    ("PUT", "", {"title": "replaced", "completed": False}),
    ("PATCH", "", {"title": "patched"}),
    ("DELETE", "", None),
    ("POST", "/complete", None),
]
# What each write answers when it goes through.
SUCCESS = {"PUT": 200, "PATCH": 200, "DELETE": 204, "POST": 200}


def test_every_single_task_response_has_the_etag(client: TestClient, alice: Account) -> None:
    created = client.post(TASKS, json={"title": "t"}, headers=alice.headers)
    task = created.json()
    assert created.headers["etag"] == task["etag"] == '"1"'
    url = task_url(task)
    responses = [
        client.get(url, headers=alice.headers),
        client.patch(url, json={"priority": "high"}, headers=alice.headers),
        client.put(url, json={"title": "t", "completed": False}, headers=alice.headers),
        client.post(f"{url}/complete", headers=alice.headers),
        client.post(f"{url}/reopen", headers=alice.headers),
    ]
    versions = [response.headers["etag"] for response in responses]
    assert versions == ['"1"', '"2"', '"3"', '"4"', '"5"']
    assert all(response.json()["etag"] == response.headers["etag"] for response in responses)


def test_if_none_match_gives_304_while_current(client: TestClient, alice: Account) -> None:
    task = create(client, alice)
    url = task_url(task)
    for header in ('"1"', 'W/"1"', '"9", "1"', "*"):
        not_modified = client.get(url, headers={**alice.headers, "If-None-Match": header})
        assert not_modified.status_code == 304, header
        assert not_modified.content == b""
        assert not_modified.headers["etag"] == '"1"'
    client.patch(url, json={"title": "changed"}, headers=alice.headers)
    fresh = client.get(url, headers={**alice.headers, "If-None-Match": '"1"'})
    assert fresh.status_code == 200
    assert fresh.json()["title"] == "changed"


@pytest.mark.parametrize(("method", "suffix", "body"), WRITES)
def test_a_stale_if_match_is_412_and_changes_nothing(
    client: TestClient, alice: Account, method: str, suffix: str, body: Any
) -> None:
    task = create(client, alice, tags=["keep"])
    url = task_url(task)
    client.patch(url, json={"description": "someone else's edit"}, headers=alice.headers)
    current = client.get(url, headers=alice.headers).json()
    for stale in ('"1"', 'W/"2"', '"1", "3"'):  # a weak tag never matches If-Match
        response = client.request(
            method, url + suffix, json=body, headers={**alice.headers, "If-Match": stale}
        )
        problem = assert_problem(response, 412)
        assert problem["type"] == "urn:tasks-api:problem:precondition-failed"
        assert response.headers["etag"] == '"2"'
    assert client.get(url, headers=alice.headers).json() == current


@pytest.mark.parametrize(("method", "suffix", "body"), WRITES)
def test_a_current_if_match_or_star_lets_the_write_through(
    client: TestClient, alice: Account, method: str, suffix: str, body: Any
) -> None:
    for header in ('"1"', '"7", "1"', "*"):
        task = create(client, alice)
        response = client.request(
            method, task_url(task) + suffix, json=body, headers={**alice.headers, "If-Match": header}
        )
        assert response.status_code == SUCCESS[method], (header, response.text)


def test_if_match_star_on_a_missing_task_is_404(client: TestClient, alice: Account) -> None:
    task = create(client, alice)
    client.delete(task_url(task), headers=alice.headers)
    response = client.patch(task_url(task), json={"title": "x"}, headers={**alice.headers, "If-Match": "*"})
    assert_problem(response, 404)


def test_completing_a_completed_task_is_200_whatever_if_match_says(
    client: TestClient, alice: Account
) -> None:
    task = create(client, alice)
    done = client.post(f"{task_url(task)}/complete", headers={**alice.headers, "If-Match": '"1"'})
    assert done.status_code == 200
    # A retry of the same request (its If-Match is now stale) finds the state it asked for.
    retried = client.post(f"{task_url(task)}/complete", headers={**alice.headers, "If-Match": '"1"'})
    assert retried.status_code == 200
    assert retried.json() == done.json()
    reopen = client.post(f"{task_url(task)}/reopen", headers={**alice.headers, "If-Match": '"1"'})
    assert_problem(reopen, 412)


@pytest.mark.parametrize("header", ["1", '"unterminated', "W/1", '"a" "b"', '"a",', "**", '"\x7f"'])
def test_a_malformed_condition_is_422(client: TestClient, alice: Account, header: str) -> None:
    task = create(client, alice)
    for name, method in (("If-Match", "PATCH"), ("If-None-Match", "GET")):
        response = client.request(
            method,
            task_url(task),
            json={} if method == "PATCH" else None,
            headers={**alice.headers, name: header},
        )
        assert assert_problem(response, 422)["errors"][0]["pointer"] == f"/header/{name}"
