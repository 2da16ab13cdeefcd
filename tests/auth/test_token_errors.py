"""POST /api/v1/auth/token answers failed grants as RFC 6749 §5.2 says; its other errors,
and every other operation's, stay problem documents."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.accounts import PASSWORD, Account
from tests.problems import assert_oauth2_error, assert_problem

TOKEN = "/api/v1/auth/token"


def test_a_wrong_password_is_invalid_grant(client: TestClient, alice: Account) -> None:
    response = client.post(TOKEN, data={"username": alice.email, "password": "not it at all"})
    body = assert_oauth2_error(response, "invalid_grant")
    assert body["error_description"] == "The email or password is incorrect."
    assert response.headers["pragma"] == "no-cache"


def test_a_missing_or_malformed_parameter_is_invalid_request(client: TestClient, alice: Account) -> None:
    missing = assert_oauth2_error(client.post(TOKEN, data={"username": alice.email}), "invalid_request")
    assert missing["error_description"] == "password is required."
    long = client.post(TOKEN, data={"username": "a" * 300, "password": PASSWORD})
    assert assert_oauth2_error(long, "invalid_request")["error_description"] == (
        "username must have at most 254 characters."
    )
    query = client.post(
        TOKEN, params={"client_id": "x"}, data={"username": alice.email, "password": PASSWORD}
    )
    assert assert_oauth2_error(query, "invalid_request")["error_description"].startswith(
        "client_id is not a parameter of this operation"
    )


def test_another_grant_type_is_unsupported(client: TestClient, alice: Account) -> None:
    data = {"grant_type": "client_credentials", "username": alice.email, "password": PASSWORD}
    body = assert_oauth2_error(client.post(TOKEN, data=data), "unsupported_grant_type")
    assert body["error_description"] == "Only the password grant is supported: send grant_type=password."
    granted = client.post(TOKEN, data={**data, "grant_type": "password"})
    assert granted.status_code == 200


def test_the_other_errors_of_the_token_endpoint_stay_problems(client: TestClient, alice: Account) -> None:
    assert_problem(client.post(TOKEN, json={"username": alice.email, "password": PASSWORD}), 415)
    assert_problem(client.post(TOKEN, data={"username": alice.email}, headers={"Accept": "text/html"}), 406)


def test_validation_elsewhere_stays_a_422_problem(client: TestClient) -> None:
    assert_problem(client.post("/api/v1/auth/register", json={"email": "x@example.com"}), 422)
    assert_problem(client.post("/api/v1/auth/refresh", json={}), 422)
