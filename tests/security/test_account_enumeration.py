"""Item 6: a login with an unknown email and one with a wrong password get the same status,
the same body and the same work: exactly one argon2id verification with the same parameters
(the unknown email pays for a dummy hash). The cost is proved by the mechanism, not by timing
requests on a shared machine; `scripts/bench-login-timing` prints the timings."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from passlib.context import CryptContext

from impl.auth import passwords
from tests.accounts import Account, password_hash
from tests.problems import Response, assert_oauth2_error

TOKEN = "/api/v1/auth/token"
# The argon2id variant and cost parameters of a hash, without its salt and digest.
PARAMETERS = re.compile(r"^\$argon2id\$v=19\$m=\d+,t=\d+,p=\d+\$")


def wrong_login(client: TestClient, username: str) -> Response:
    return client.post(TOKEN, data={"username": username, "password": "wrong password!"})


def comparable(response: Response) -> dict[str, str]:
    return assert_oauth2_error(response, "invalid_grant")


def test_unknown_email_and_wrong_password_look_the_same(client: TestClient, alice: Account) -> None:
    unknown = wrong_login(client, "nobody@example.com")
    wrong = wrong_login(client, alice.email)
    assert comparable(unknown) == comparable(wrong)
    for name in ("www-authenticate", "content-type", "content-length", "cache-control"):
        assert unknown.headers.get(name) == wrong.headers.get(name)


def test_unknown_email_and_wrong_password_cost_one_verification_each(
    client: TestClient, alice: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    verified: list[str] = []
    real_verify = passwords._context.verify

    def recording_verify(secret: str, stored_hash: str) -> bool:
        verified.append(stored_hash)
        return bool(real_verify(secret, stored_hash))

    # The real verification still runs; this only records which hashes it was given.
    monkeypatch.setattr(passwords._context, "verify", recording_verify)
    assert isinstance(passwords._context, CryptContext)

    wrong_login(client, alice.email)
    assert verified == [password_hash()]
    verified.clear()
    wrong_login(client, "nobody@example.com")
    (dummy,) = verified
    assert dummy != password_hash()
    match_user, match_dummy = PARAMETERS.match(password_hash()), PARAMETERS.match(dummy)
    assert match_user is not None
    assert match_dummy is not None
    assert match_dummy.group() == match_user.group() == "$argon2id$v=19$m=19456,t=2,p=1$"
