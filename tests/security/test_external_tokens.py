"""Tokens of an external identity provider, against a real JWKS endpoint on 127.0.0.1 with keys
made here: Better Auth's shape (Ed25519, alg EdDSA, kid, sub = its user id, iss = aud = its
base URL, 15 minutes), plus ES256 and RS256 providers."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI
from fastapi.testclient import TestClient
from joserfc.jwk import ECKey, OKPKey, RSAKey
from sqlmodel import Session, select

from impl.db.tables import UserRow
from tests.accounts import Account
from tests.clock import FakeClock
from tests.problems import Response, assert_problem
from tests.security.conftest import AppFactory, ClientFactory
from tests.security.forge import ed25519_signed, hmac_signed, signed, unsigned
from tests.security.jwks_server import JwksServer
from tests.servers import free_port

ME = "/api/v1/users/me"
TASKS = "/api/v1/tasks"
JWKS_PATH = "/api/auth/jwks"

AnyKey = OKPKey | ECKey | RSAKey


def make_key(alg: str, kid: str) -> AnyKey:
    if alg == "EdDSA":
        return OKPKey.generate_key("Ed25519", parameters={"kid": kid, "alg": "EdDSA", "use": "sig"})
    if alg == "ES256":
        return ECKey.generate_key("P-256", parameters={"kid": kid, "alg": "ES256", "use": "sig"})
    return RSAKey.generate_key(2048, parameters={"kid": kid, "alg": "RS256", "use": "sig"})


def ed25519_private(key: AnyKey) -> Ed25519PrivateKey:
    private = key.private_key
    assert isinstance(private, Ed25519PrivateKey)
    return private


def sign(key: AnyKey, claims: dict[str, Any], **header: Any) -> str:
    alg = header.pop("alg", key.alg)
    full_header = {"alg": alg, "kid": key.kid, **header}
    if alg == "EdDSA":
        return ed25519_signed(full_header, claims, ed25519_private(key))
    assert not isinstance(key, OKPKey)
    return signed(full_header, claims, key)


def without_alg(key: AnyKey) -> AnyKey:
    """The same key material, not bound to its algorithm: to sign what the provider would not."""
    data = {name: value for name, value in key.as_dict(private=True).items() if name != "alg"}
    return type(key).import_key(data)


@dataclass
class Provider:
    server: JwksServer
    keys: dict[str, AnyKey] = field(default_factory=dict)

    @property
    def issuer(self) -> str:
        return self.server.url("")

    def publish(self, *keys: AnyKey) -> None:
        self.server.documents[JWKS_PATH] = {"keys": [key.as_dict(private=False) for key in keys]}

    def claims(self, subject: object = "hK3xQ2pVw8yZ", **overrides: Any) -> dict[str, Any]:
        now = int(time.time())
        return {
            "sub": subject,
            "iss": self.issuer,
            "aud": self.issuer,
            "iat": now,
            "exp": now + 15 * 60,
            # Better Auth's default payload: the session's user.
            "id": subject,
            "email": "ext@example.com",
            "emailVerified": True,
            "name": "Ext User",
            **overrides,
        }

    @property
    def fetches(self) -> int:
        return self.server.requests[JWKS_PATH]


@pytest.fixture(scope="module")
def provider_keys() -> dict[str, AnyKey]:
    return {alg: make_key(alg, f"{alg.lower()}-1") for alg in ("EdDSA", "ES256", "RS256")}


@pytest.fixture
def provider(provider_keys: dict[str, AnyKey]) -> Iterator[Provider]:
    with JwksServer() as server:
        result = Provider(server, dict(provider_keys))
        result.publish(*result.keys.values())
        yield result


@pytest.fixture
def external_app(make_app: AppFactory, provider: Provider) -> Iterator[Callable[..., FastAPI]]:
    apps: list[FastAPI] = []

    def build(**overrides: Any) -> FastAPI:
        settings = {
            "rate_limit_enabled": False,
            "external_jwt_jwks_url": provider.server.url(JWKS_PATH),
            "external_jwt_issuer": provider.issuer,
            "external_jwt_audience": provider.issuer,
            **overrides,
        }
        app = make_app(**settings)
        apps.append(app)
        return app

    yield build
    for app in apps:
        app.state.external_tokens.close()


@pytest.fixture
def ext_client(external_app: Callable[..., FastAPI], client_from: ClientFactory) -> TestClient:
    return client_from(external_app())


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def assert_refused(response: Response) -> None:
    assert_problem(response, 401)
    assert response.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize("alg", ["EdDSA", "ES256", "RS256"])
def test_a_valid_token_is_accepted_and_provisions_one_user(
    ext_client: TestClient, provider: Provider, db: Session, alg: str
) -> None:
    token = sign(provider.keys[alg], provider.claims())
    me = ext_client.get(ME, headers=bearer(token))
    assert me.status_code == 200, me.text
    assert me.json()["email"] is None
    uuid.UUID(me.json()["id"])
    # The same subject, in a new token, is the same user.
    again = ext_client.get(ME, headers=bearer(sign(provider.keys[alg], provider.claims())))
    assert again.json() == me.json()
    users = db.exec(select(UserRow)).all()
    assert [(u.external_issuer, u.external_subject, u.email, u.password_hash) for u in users] == [
        (provider.issuer, "hK3xQ2pVw8yZ", None, None)
    ]


def test_tasks_are_scoped_to_the_external_user(
    ext_client: TestClient, provider: Provider, alice: Account
) -> None:
    key = provider.keys["EdDSA"]
    first, second = bearer(sign(key, provider.claims("user-1"))), bearer(sign(key, provider.claims("user-2")))
    task = ext_client.post(TASKS, json={"title": "external"}, headers=first).json()
    assert [t["id"] for t in ext_client.get(TASKS, headers=first).json()["items"]] == [task["id"]]
    assert ext_client.get(TASKS, headers=second).json()["items"] == []
    assert_problem(ext_client.get(f"{TASKS}/{task['id']}", headers=second), 404)
    # Local tokens keep working next to external ones, and see only their own tasks.
    assert ext_client.get(TASKS, headers=alice.headers).json()["items"] == []


def test_the_same_subject_of_another_issuer_is_not_the_same_user(
    make_app: AppFactory, provider: Provider, client_from: ClientFactory
) -> None:
    with JwksServer() as other_server:
        other = Provider(other_server, {"EdDSA": make_key("EdDSA", "other")})
        other.publish(other.keys["EdDSA"])
        app_a = make_app(
            rate_limit_enabled=False,
            external_jwt_jwks_url=provider.server.url(JWKS_PATH),
            external_jwt_issuer=provider.issuer,
            external_jwt_audience=provider.issuer,
        )
        app_b = make_app(
            rate_limit_enabled=False,
            external_jwt_jwks_url=other_server.url(JWKS_PATH),
            external_jwt_issuer=other.issuer,
            external_jwt_audience=other.issuer,
        )
        a = client_from(app_a).get(ME, headers=bearer(sign(provider.keys["EdDSA"], provider.claims("same"))))
        b = client_from(app_b).get(ME, headers=bearer(sign(other.keys["EdDSA"], other.claims("same"))))
        assert a.status_code == b.status_code == 200
        assert a.json()["id"] != b.json()["id"]
        for app in (app_a, app_b):
            app.state.external_tokens.close()


FORGERIES: dict[str, Callable[[Provider], str]] = {
    "wrong issuer": lambda p: sign(p.keys["EdDSA"], p.claims(iss="https://evil.example.com")),
    "wrong audience": lambda p: sign(p.keys["EdDSA"], p.claims(aud="https://another-app.example.com")),
    "audience list without ours": lambda p: sign(p.keys["EdDSA"], p.claims(aud=["a", "b"])),
    "signed by a key the provider does not publish, same kid": lambda p: sign(
        make_key("EdDSA", "eddsa-1"), p.claims()
    ),
    "unknown kid": lambda p: sign(make_key("EdDSA", "nobody"), p.claims()),
    "no kid": lambda p: ed25519_signed({"alg": "EdDSA"}, p.claims(), ed25519_private(p.keys["EdDSA"])),
    "kid of another key type": lambda p: sign(p.keys["ES256"], p.claims(), kid="eddsa-1"),
    "alg none": lambda p: unsigned({"alg": "none", "kid": "eddsa-1"}, p.claims()),
    "HS256 keyed with the published public key": lambda p: hmac_signed(
        {"alg": "HS256", "kid": "rs256-1"}, p.claims(), p.keys["RS256"].as_pem(private=False)
    ),
    "HS256 keyed with the public JWK": lambda p: hmac_signed(
        {"alg": "HS256", "kid": "eddsa-1"},
        p.claims(),
        json.dumps(p.keys["EdDSA"].as_dict(private=False)).encode(),
    ),
    "RS256 key used as PS256": lambda p: sign(without_alg(p.keys["RS256"]), p.claims(), alg="PS256"),
    "expired beyond 60 s": lambda p: sign(
        p.keys["EdDSA"], p.claims(iat=int(time.time()) - 1000, exp=int(time.time()) - 61)
    ),
    "nbf in the future": lambda p: sign(p.keys["EdDSA"], p.claims(nbf=int(time.time()) + 120)),
    "iat in the future": lambda p: sign(p.keys["EdDSA"], p.claims(iat=int(time.time()) + 120)),
    "missing exp": lambda p: sign(p.keys["EdDSA"], {k: v for k, v in p.claims().items() if k != "exp"}),
    "missing iat": lambda p: sign(p.keys["EdDSA"], {k: v for k, v in p.claims().items() if k != "iat"}),
    "missing sub": lambda p: sign(p.keys["EdDSA"], {k: v for k, v in p.claims().items() if k != "sub"}),
    "empty sub": lambda p: sign(p.keys["EdDSA"], p.claims(subject="")),
    "sub not a string": lambda p: sign(p.keys["EdDSA"], p.claims(subject=42)),
    "sub too long": lambda p: sign(p.keys["EdDSA"], p.claims(subject="s" * 256)),
    "payload changed, signature kept": lambda p: ".".join(
        [
            sign(p.keys["EdDSA"], p.claims()).split(".")[0],
            sign(p.keys["EdDSA"], p.claims(subject="admin")).split(".")[1],
            sign(p.keys["EdDSA"], p.claims()).split(".")[2],
        ]
    ),
    "critical unknown header": lambda p: sign(p.keys["EdDSA"], p.claims(), crit=["exp"], exp=1),
}


@pytest.mark.parametrize("forgery", FORGERIES)
def test_a_forged_external_token_is_a_401(
    ext_client: TestClient, provider: Provider, db: Session, forgery: str
) -> None:
    token = FORGERIES[forgery](provider)
    assert_refused(ext_client.get(ME, headers=bearer(token)))
    assert_refused(ext_client.post(TASKS, json={"title": "x"}, headers=bearer(token)))
    assert db.exec(select(UserRow)).all() == []


def test_only_the_configured_algorithms_are_accepted(
    external_app: Callable[..., FastAPI], client_from: ClientFactory, provider: Provider
) -> None:
    client = client_from(external_app(external_jwt_algorithms=["EdDSA"]))
    assert client.get(ME, headers=bearer(sign(provider.keys["EdDSA"], provider.claims()))).status_code == 200
    for alg in ("ES256", "RS256"):
        assert_refused(client.get(ME, headers=bearer(sign(provider.keys[alg], provider.claims()))))


def test_key_headers_are_never_followed(ext_client: TestClient, provider: Provider) -> None:
    attacker = make_key("EdDSA", "attacker")
    provider.server.documents["/attacker/jwks"] = {"keys": [attacker.as_dict(private=False)]}
    for header in (
        {"jku": provider.server.url("/attacker/jwks")},
        {"x5u": provider.server.url("/attacker/jwks")},
        {"jwk": attacker.as_dict(private=False)},
    ):
        assert_refused(ext_client.get(ME, headers=bearer(sign(attacker, provider.claims(), **header))))
    assert provider.server.requests["/attacker/jwks"] == 0


def test_a_rotated_key_is_picked_up(
    external_app: Callable[..., FastAPI], client_from: ClientFactory, provider: Provider, clock: FakeClock
) -> None:
    client = client_from(external_app())
    old = provider.keys["EdDSA"]
    assert client.get(ME, headers=bearer(sign(old, provider.claims()))).status_code == 200
    assert provider.fetches == 1

    new = make_key("EdDSA", "eddsa-2")
    provider.publish(new)  # the provider rotates: only the new key now
    clock.advance(59)  # within the refetch interval (60 s by default), the new kid waits...
    assert_refused(client.get(ME, headers=bearer(sign(new, provider.claims()))))
    assert provider.fetches == 1
    clock.advance(1)  # ...and then it is fetched
    assert client.get(ME, headers=bearer(sign(new, provider.claims()))).status_code == 200
    assert provider.fetches == 2
    # The old key is gone from the set; the cache follows the provider. (A token the service
    # has not seen before: one it already verified is remembered until it expires, and the
    # clock has not moved a second, so the same claims would sign to the same token.)
    assert_refused(client.get(ME, headers=bearer(sign(old, provider.claims(jti=uuid.uuid4().hex)))))


def test_unknown_kids_refetch_at_most_once_per_interval(ext_client: TestClient, provider: Provider) -> None:
    assert (
        ext_client.get(ME, headers=bearer(sign(provider.keys["EdDSA"], provider.claims()))).status_code == 200
    )
    for attempt in range(20):
        assert_refused(
            ext_client.get(ME, headers=bearer(sign(make_key("EdDSA", f"spam-{attempt}"), provider.claims())))
        )
    assert provider.fetches == 1  # the interval (60 s by default) has not passed


def test_the_keys_are_cached(ext_client: TestClient, provider: Provider) -> None:
    for _ in range(10):
        response = ext_client.get(ME, headers=bearer(sign(provider.keys["ES256"], provider.claims())))
        assert response.status_code == 200
    assert provider.fetches == 1


def test_an_unreachable_jwks_is_a_401_not_a_500(
    external_app: Callable[..., FastAPI], client_from: ClientFactory, provider: Provider
) -> None:
    provider.server.failing.add(JWKS_PATH)
    client = client_from(external_app())
    response = client.get(ME, headers=bearer(sign(provider.keys["EdDSA"], provider.claims())))
    body = assert_problem(response, 401)
    assert "keys are unavailable" in str(body["detail"])
    assert provider.server.url("") not in response.text

    closed = client_from(external_app(external_jwt_jwks_url=f"http://127.0.0.1:{free_port()}/jwks"))
    assert_problem(closed.get(ME, headers=bearer(sign(provider.keys["EdDSA"], provider.claims()))), 401)


def test_cached_keys_outlive_a_provider_outage(
    external_app: Callable[..., FastAPI], client_from: ClientFactory, provider: Provider, clock: FakeClock
) -> None:
    client = client_from(external_app())
    token = bearer(sign(provider.keys["EdDSA"], provider.claims()))
    assert client.get(ME, headers=token).status_code == 200
    provider.server.failing.add(JWKS_PATH)
    clock.advance(60)
    assert_refused(client.get(ME, headers=bearer(sign(make_key("EdDSA", "new"), provider.claims()))))
    assert provider.fetches == 2  # it tried, failed, and kept what it had
    assert client.get(ME, headers=token).status_code == 200


def test_external_users_have_no_password_here(ext_client: TestClient, provider: Provider) -> None:
    token = bearer(sign(provider.keys["EdDSA"], provider.claims()))
    change = ext_client.post(
        f"{ME}/password",
        json={"current_password": "x", "new_password": "a brand new passphrase"},
        headers=token,
    )
    assert assert_problem(change, 403)["type"] == "urn:tasks-api:problem:wrong-password"
    assert_problem(ext_client.request("DELETE", ME, json={"password": "x"}, headers=token), 403)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"external_jwt_issuer": None}, "EXTERNAL_JWT_ISSUER"),
        ({"external_jwt_jwks_url": "http://idp.example.com/jwks"}, "https://"),
        ({"external_jwt_algorithms": ["HS256"]}, "external_jwt_algorithms"),
        ({"external_jwt_algorithms": ["none"]}, "external_jwt_algorithms"),
        ({"external_jwt_issuer": "tasks-api"}, "must differ"),
    ],
)
def test_unsafe_provider_settings_are_refused(
    external_app: Callable[..., FastAPI], overrides: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        external_app(**overrides)
