"""Item 7: repeated logins per account and per client address, registrations, refreshes and
password confirmations are limited (429 with Retry-After and RateLimit fields), without
letting an attacker lock the victim out for long."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from limits import parse_many

from impl.settings import Settings
from tests.accounts import PASSWORD, Account, register
from tests.clock import FakeClock
from tests.problems import Response, assert_problem
from tests.security.conftest import AppFactory, ClientFactory
from tests.servers import free_port

TOKEN = "/api/v1/auth/token"
RATE_LIMIT = re.compile(r'^"(?P<name>[a-z-]+(?:-\d+s)?)";r=0;t=(?P<t>\d+)$')
POLICY = re.compile(r'^"(?P<name>[a-z-]+(?:-\d+s)?)";q=(?P<q>\d+);w=(?P<w>\d+)$')


def assert_rate_limited(response: Response, policy: str) -> int:
    body = assert_problem(response, 429)
    headers = response.headers
    assert body["type"] == "urn:tasks-api:problem:rate-limited"
    retry_after = int(headers["retry-after"])
    assert retry_after >= 1
    limit, quota = RATE_LIMIT.match(headers["ratelimit"]), POLICY.match(headers["ratelimit-policy"])
    assert limit, headers["ratelimit"]
    assert quota, headers["ratelimit-policy"]
    assert limit["name"] == quota["name"]
    assert limit["name"].startswith(policy)
    assert int(limit["t"]) == retry_after <= int(quota["w"])
    return retry_after


def wrong_login(client: TestClient, email: str) -> Response:
    return client.post(TOKEN, data={"username": email, "password": "not the password"})


def test_failed_logins_per_address_are_limited_and_the_victim_still_gets_in(
    make_app: AppFactory, client_from: ClientFactory
) -> None:
    # The defaults: one address runs out long before it could exhaust an account's quota.
    app = make_app(rate_limit_enabled=True)
    victim = register(client_from(app, "198.51.100.10"), "victim@example.com")
    attacker = client_from(app, "203.0.113.66")
    statuses = [wrong_login(attacker, victim.email).status_code for _ in range(40)]
    assert statuses[:10] == [400] * 10  # invalid_grant (RFC 6749 §5.2)
    assert set(statuses[10:]) == {429}
    assert_rate_limited(wrong_login(attacker, victim.email), "login-address")
    # Even the right password is refused from the attacker's address...
    assert_rate_limited(
        attacker.post(TOKEN, data={"username": victim.email, "password": PASSWORD}), "login-address"
    )
    # ...while the victim, elsewhere, logs in.
    victim_client = client_from(app, "198.51.100.10")
    assert victim_client.post(TOKEN, data={"username": victim.email, "password": PASSWORD}).status_code == 200


def test_failed_logins_per_account_are_limited_across_addresses(
    make_app: AppFactory, client_from: ClientFactory
) -> None:
    app = make_app(rate_limit_enabled=True, rate_limit_login_per_account="5/minute")
    victim = register(client_from(app, "198.51.100.10"), "victim@example.com")  # its login: 1 attempt
    for attempt in range(4):
        assert wrong_login(client_from(app, f"203.0.113.{attempt}"), victim.email).status_code == 400
    assert_rate_limited(wrong_login(client_from(app, "203.0.113.99"), victim.email), "login-account")
    # Case and spacing do not make another account.
    assert_rate_limited(
        wrong_login(client_from(app, "203.0.113.98"), " VICTIM@example.com "), "login-account"
    )
    # Another account is not affected.
    other = register(client_from(app, "198.51.100.11"), "other@example.com")
    assert (
        client_from(app, "203.0.113.99")
        .post(TOKEN, data={"username": other.email, "password": PASSWORD})
        .status_code
        == 200
    )


def test_a_lockout_ends_after_retry_after(
    make_app: AppFactory, client_from: ClientFactory, clock: FakeClock
) -> None:
    app = make_app(rate_limit_enabled=True, rate_limit_login_per_account="3/minute")
    victim = register(client_from(app, "198.51.100.10"), "victim@example.com")
    attacker = client_from(app, "203.0.113.66")
    for _ in range(2):  # and the victim's own login
        wrong_login(attacker, victim.email)
    clock.advance(0.5)  # the attempts took some time
    retry_after = assert_rate_limited(wrong_login(attacker, victim.email), "login-account")
    assert retry_after == 60  # until the first attempt leaves the one-minute window
    victim_client = client_from(app, "198.51.100.10")

    def right_login() -> Response:
        return victim_client.post(TOKEN, data={"username": victim.email, "password": PASSWORD})

    clock.advance(retry_after - 1)
    assert assert_rate_limited(right_login(), "login-account") == 1
    clock.advance(1)
    assert right_login().status_code == 200


def test_registrations_per_address_are_limited(make_app: AppFactory, client_from: ClientFactory) -> None:
    app = make_app(rate_limit_enabled=True, rate_limit_register_per_address="3/minute")
    client = client_from(app, "203.0.113.5")
    for i in range(3):
        register(client, f"bot{i}@example.com")
    response = client.post("/api/v1/auth/register", json={"email": "bot9@example.com", "password": PASSWORD})
    assert_rate_limited(response, "register-address")
    assert (
        client_from(app, "198.51.100.1")
        .post("/api/v1/auth/register", json={"email": "human@example.com", "password": PASSWORD})
        .status_code
        == 201
    )


def test_refreshes_per_address_are_limited(make_app: AppFactory, client_from: ClientFactory) -> None:
    app = make_app(rate_limit_enabled=True, rate_limit_refresh_per_address="4/minute")
    client = client_from(app, "203.0.113.5")
    account = register(client, "refresher@example.com")
    token = account.refresh_token
    for _ in range(2):
        token = client.post("/api/v1/auth/refresh", json={"refresh_token": token}).json()["refresh_token"]
    for _ in range(2):
        assert_problem(client.post("/api/v1/auth/refresh", json={"refresh_token": "A" * 43}), 401)
    assert_rate_limited(client.post("/api/v1/auth/refresh", json={"refresh_token": token}), "refresh-address")


@pytest.mark.parametrize("operation", ["change", "delete"])
def test_password_confirmations_share_the_login_limits(
    make_app: AppFactory, client_from: ClientFactory, operation: str
) -> None:
    # A stolen access token does not buy unlimited guesses at the password.
    app = make_app(rate_limit_enabled=True, rate_limit_login_per_account="4/minute")
    client = client_from(app, "203.0.113.5")
    account: Account = register(client, "stolen@example.com")  # one login: one attempt spent

    def guess(password: str) -> Response:
        if operation == "change":
            return client.post(
                "/api/v1/users/me/password",
                json={"current_password": password, "new_password": "a brand new passphrase"},
                headers=account.headers,
            )
        return client.request(
            "DELETE", "/api/v1/users/me", json={"password": password}, headers=account.headers
        )

    for attempt in range(3):
        assert_problem(guess(f"guess {attempt}"), 403)
    assert_rate_limited(guess(PASSWORD), "login-account")
    assert client.get("/api/v1/users/me", headers=account.headers).status_code == 200


def test_an_unreachable_rate_limit_store_fails_closed(
    make_app: AppFactory, client_from: ClientFactory
) -> None:
    port = free_port()  # nothing listens there
    app = make_app(rate_limit_enabled=True, redis_url=f"redis://127.0.0.1:{port}/0")
    response = client_from(app).post(TOKEN, data={"username": "a@example.com", "password": "whatever"})
    body = assert_problem(response, 503)
    assert str(port) not in str(body)


def test_the_default_per_address_limits_are_stricter_than_per_account() -> None:
    settings = Settings(environment="development")
    per_address = parse_many(settings.rate_limit_login_per_address)
    per_account = parse_many(settings.rate_limit_login_per_account)
    for account_limit in per_account:
        window = account_limit.get_expiry()
        # What one address may try within the account's window is less than the account allows.
        allowed = min(item.amount * max(1, -(-window // item.get_expiry())) for item in per_address)
        assert allowed < account_limit.amount
        assert window <= 15 * 60  # short lockouts
