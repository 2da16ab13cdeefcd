"""Item 3: forged, altered, misused and misplaced access tokens are all a 401 with
WWW-Authenticate, never a 500 and never a success."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable

import pytest
from cryptography.hazmat.primitives import serialization
from fastapi.testclient import TestClient
from joserfc.jwk import RSAKey

from tests.accounts import Account
from tests.problems import Response, assert_problem
from tests.security.forge import (
    OWN_AUDIENCE,
    OWN_ISSUER,
    b64url,
    hmac_signed,
    own_token,
    segment,
    signed,
    unsigned,
)
from tests.security.jwks_server import JwksServer

ME = "/api/v1/users/me"
TASKS = "/api/v1/tasks"
ATTACKER_KEY = RSAKey.generate_key(2048, parameters={"kid": "attacker"})
ATTACKER_PUBLIC_PEM = ATTACKER_KEY.as_pem(private=False)


def _claims(user_id: str) -> dict[str, object]:
    return {
        "iss": OWN_ISSUER,
        "aud": OWN_AUDIENCE,
        "sub": user_id,
        "iat": int(time.time()),
        "exp": int(time.time()) + 900,
        "jti": uuid.uuid4().hex,
        "ver": 0,
    }


def _swapped_payload(account: Account) -> str:
    header, _, signature = account.access_token.split(".")
    forged = {**_claims(str(uuid.uuid4())), "sub": str(uuid.uuid4())}
    return f"{header}.{segment(forged)}.{signature}"


# Each forgery gets the victim's user id and returns a token.
FORGERIES: dict[str, Callable[[Account], str]] = {
    "alg none": lambda a: unsigned({"alg": "none", "typ": "at+jwt"}, _claims(a.user_id)),
    "alg None": lambda a: unsigned({"alg": "None", "typ": "at+jwt"}, _claims(a.user_id)),
    "alg NONE": lambda a: unsigned({"alg": "NONE", "typ": "at+jwt"}, _claims(a.user_id)),
    "alg none with the real signature": lambda a: unsigned(
        {"alg": "none", "typ": "at+jwt"}, _claims(a.user_id), a.access_token.rsplit(".", 1)[1]
    ),
    "no alg": lambda a: hmac_signed({"typ": "at+jwt"}, _claims(a.user_id), b"x"),
    "HS256 keyed with a public key (algorithm confusion)": lambda a: hmac_signed(
        {"alg": "HS256", "typ": "at+jwt"}, _claims(a.user_id), ATTACKER_PUBLIC_PEM
    ),
    "RS256 by an attacker's key": lambda a: signed(
        {"alg": "RS256", "typ": "at+jwt", "kid": "attacker"}, _claims(a.user_id), ATTACKER_KEY
    ),
    "kid ../../dev/null, signed with an empty key": lambda a: hmac_signed(
        {"alg": "HS256", "typ": "at+jwt", "kid": "../../dev/null"}, _claims(a.user_id), b""
    ),
    "kid SQL injection, signed with the injected value": lambda a: hmac_signed(
        {"alg": "HS256", "typ": "at+jwt", "kid": "' OR 1=1--"}, _claims(a.user_id), b"1"
    ),
    "jwk header with the attacker's key": lambda a: signed(
        {"alg": "RS256", "typ": "at+jwt", "jwk": ATTACKER_KEY.as_dict(private=False)},
        _claims(a.user_id),
        ATTACKER_KEY,
    ),
    "missing exp": lambda a: own_token(a.user_id, session_id=a.session_id, drop=("exp",)),
    "missing iat": lambda a: own_token(a.user_id, session_id=a.session_id, drop=("iat",)),
    "missing sub": lambda a: own_token(a.user_id, session_id=a.session_id, drop=("sub",)),
    "missing ver": lambda a: own_token(a.user_id, session_id=a.session_id, drop=("ver",)),
    "missing jti": lambda a: own_token(a.user_id, session_id=a.session_id, drop=("jti",)),
    "stale ver (issued before a password change)": lambda a: own_token(
        a.user_id, session_id=a.session_id, ver=1
    ),
    "missing sid": lambda a: own_token(a.user_id, drop=("sid",)),
    "sid of no login session": lambda a: own_token(a.user_id, session_id=str(uuid.uuid4())),
    "expired beyond the 60 s skew": lambda a: own_token(
        a.user_id, session_id=a.session_id, iat=int(time.time()) - 1000, exp=int(time.time()) - 61
    ),
    "exp as a string": lambda a: own_token(
        a.user_id, session_id=a.session_id, exp=str(int(time.time()) + 900)
    ),
    "nbf in the future": lambda a: own_token(a.user_id, session_id=a.session_id, nbf=int(time.time()) + 120),
    "iat in the future": lambda a: own_token(a.user_id, session_id=a.session_id, iat=int(time.time()) + 120),
    "wrong iss": lambda a: own_token(a.user_id, session_id=a.session_id, iss="https://evil.example.com"),
    "wrong aud": lambda a: own_token(a.user_id, session_id=a.session_id, aud="another-service"),
    "wrong typ": lambda a: own_token(
        a.user_id, session_id=a.session_id, header={"alg": "HS256", "typ": "JWT"}
    ),
    "signed with another secret": lambda a: own_token(
        a.user_id, session_id=a.session_id, secret=b"not-the-secret-" + b"x" * 40
    ),
    "payload changed, signature kept": _swapped_payload,
    "sub not a UUID": lambda a: own_token("1 OR 1=1"),
    "sub an integer": lambda a: own_token(a.user_id, session_id=a.session_id, sub=12345),
    "sub empty": lambda a: own_token(""),
    "sub of nobody": lambda a: own_token(str(uuid.uuid4())),
    "garbage": lambda a: "not.a.jwt",
    "too many segments": lambda a: a.access_token + ".extra",
    "huge": lambda a: "a" * 100_000,
    "non-base64 header": lambda a: "!!!." + a.access_token.split(".", 1)[1],
    "header not JSON": lambda a: b64url(b"\xff\xfe") + "." + a.access_token.split(".", 1)[1],
}


def assert_refused(response: Response) -> None:
    body = assert_problem(response, 401)
    headers = response.headers
    assert headers["www-authenticate"].startswith("Bearer")
    assert body["type"] == "urn:tasks-api:problem:unauthorized"
    assert "alice" not in response.text


@pytest.mark.parametrize("forgery", FORGERIES)
def test_a_forged_token_is_a_401(client: TestClient, alice: Account, forgery: str) -> None:
    token = FORGERIES[forgery](alice)
    for method, url in (("GET", ME), ("GET", TASKS), ("POST", TASKS)):
        response = client.request(
            method,
            url,
            headers={"Authorization": f"Bearer {token}"},
            json={"title": "x"} if method == "POST" else None,
        )
        assert_refused(response)
    assert client.get(TASKS, headers=alice.headers).json()["items"] == []


def test_the_unforged_controls_are_accepted(client: TestClient, alice: Account) -> None:
    """The forgeries fail for the reason they test: the same token made honestly works."""
    assert client.get(ME, headers=alice.headers).status_code == 200
    honest = own_token(alice.user_id, session_id=alice.session_id)
    assert client.get(ME, headers={"Authorization": f"Bearer {honest}"}).status_code == 200
    within_skew = own_token(alice.user_id, session_id=alice.session_id, exp=int(time.time()) - 5)
    assert client.get(ME, headers={"Authorization": f"Bearer {within_skew}"}).status_code == 200


def test_key_url_headers_are_never_fetched(client: TestClient, alice: Account) -> None:
    with JwksServer() as server:
        server.documents["/attacker-jwks"] = {"keys": [ATTACKER_KEY.as_dict(private=False)]}
        for header_name in ("jku", "x5u"):
            header = {
                "alg": "RS256",
                "typ": "at+jwt",
                "kid": "attacker",
                header_name: server.url("/attacker-jwks"),
            }
            token = signed(header, _claims(alice.user_id), ATTACKER_KEY)
            assert_refused(client.get(ME, headers={"Authorization": f"Bearer {token}"}))
        assert server.requests == {}


@pytest.mark.parametrize("name", ["access_token", "token"])
def test_a_token_in_the_query_string_is_a_422(client: TestClient, alice: Account, name: str) -> None:
    """Not a parameter of any operation: refused as such, before authentication."""
    response = client.get(ME, params={name: alice.access_token})
    body = assert_problem(response, 422)
    assert [error["pointer"] for error in body["errors"]] == [f"/query/{name}"]
    assert alice.access_token not in response.text
    assert alice.email not in response.text


@pytest.mark.parametrize(
    ("where", "authorization"), [("Basic scheme", "Basic TOKEN"), ("no scheme", "TOKEN")]
)
def test_a_token_anywhere_but_the_bearer_header_is_a_401(
    client: TestClient, alice: Account, where: str, authorization: str
) -> None:
    response = client.get(ME, headers={"Authorization": authorization.replace("TOKEN", alice.access_token)})
    body = assert_problem(response, 401)
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert alice.email not in str(body)


def test_a_token_in_a_cookie_is_a_401(client: TestClient, alice: Account) -> None:
    client.cookies.set("access_token", alice.access_token)
    try:
        response = client.get(ME)
    finally:
        client.cookies.clear()
    assert_problem(response, 401)
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_an_rsa_public_key_pem_is_what_the_confusion_attack_uses() -> None:
    # The confusion forgery is only meaningful if the HMAC key really is a public key.
    assert ATTACKER_PUBLIC_PEM.startswith(b"-----BEGIN PUBLIC KEY-----")
    serialization.load_pem_public_key(ATTACKER_PUBLIC_PEM)
