"""HTTP behaviour the contract implies but schemathesis does not probe: HEAD, trailing
slashes, and the Allow header of a 405."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.accounts import Account
from tests.problems import assert_problem


def test_head_answers_like_get_without_a_body(client: TestClient, alice: Account) -> None:
    get = client.get("/api/v1/tasks", headers=alice.headers)
    head = client.head("/api/v1/tasks", headers=alice.headers)
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"]
    assert head.headers["content-length"] == get.headers["content-length"]


def test_head_needs_the_same_authentication_as_get(client: TestClient) -> None:
    response = client.head("/api/v1/users/me")
    assert response.status_code == 401
    assert response.content == b""


def test_head_where_there_is_no_get_is_a_405(client: TestClient) -> None:
    response = client.head("/api/v1/auth/token")
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"


def test_a_trailing_slash_is_not_redirected(client: TestClient, alice: Account) -> None:
    response = client.get("/api/v1/tasks/", headers=alice.headers, follow_redirects=False)
    assert_problem(response, 404)
    assert "location" not in response.headers


def test_problem_instance_is_a_uri_reference(client: TestClient, alice: Account) -> None:
    response = client.get("/api/v1/tasks/caf%C3%A9%20x", headers=alice.headers)
    problem = assert_problem(response, 422)
    assert problem["instance"] == "/api/v1/tasks/caf%C3%A9%20x"


def test_explicit_null_is_refused_where_the_contract_says_string_or_boolean(
    client: TestClient, alice: Account
) -> None:
    created = client.post("/api/v1/tasks", json={"title": "x", "completed": None}, headers=alice.headers)
    assert_problem(created, 422)
    task = client.post("/api/v1/tasks", json={"title": "x"}, headers=alice.headers).json()
    for body in ({"title": None}, {"completed": None}):
        response = client.patch(f"/api/v1/tasks/{task['id']}", json=body, headers=alice.headers)
        problem = assert_problem(response, 422)
        assert problem["errors"][0]["pointer"] == f"/body/{next(iter(body))}"
    cleared = client.patch(f"/api/v1/tasks/{task['id']}", json={"description": None}, headers=alice.headers)
    assert cleared.status_code == 200


def test_special_use_email_domains_are_accepted_as_the_contract_says(client: TestClient) -> None:
    response = client.post("/api/v1/auth/register", json={"email": "z^a@w8lyp.test", "password": "x" * 8})
    assert response.status_code == 201, response.text


def test_an_accept_header_without_json_is_a_406(client: TestClient, alice: Account) -> None:
    response = client.get("/api/v1/tasks", headers={**alice.headers, "Accept": "text/html"})
    problem = assert_problem(response, 406)
    assert "text/html" in str(problem["detail"])
    refused = client.get("/api/v1/health/live", headers={"Accept": "application/json;q=0, text/plain"})
    assert_problem(refused, 406)


def test_accept_headers_that_admit_json_are_served(client: TestClient, alice: Account) -> None:
    for accept in ("application/json", "*/*", "text/html, application/*;q=0.1", "application/problem+json"):
        response = client.get("/api/v1/tasks", headers={**alice.headers, "Accept": accept})
        assert response.status_code == 200, accept
