"""Hand-made JWTs: any header, any claims, any key, including the ones no library would sign."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from joserfc import jws
from joserfc.jwk import ECKey, RSAKey

from tests.conftest import TEST_SECRET

OWN_ISSUER = OWN_AUDIENCE = "tasks-api"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def segment(value: dict[str, Any]) -> str:
    return b64url(json.dumps(value, separators=(",", ":")).encode())


def unsigned(header: dict[str, Any], claims: dict[str, Any], signature: str = "") -> str:
    return f"{segment(header)}.{segment(claims)}.{signature}"


def hmac_signed(header: dict[str, Any], claims: dict[str, Any], secret: bytes) -> str:
    signing_input = f"{segment(header)}.{segment(claims)}"
    digest = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64url(digest)}"


def own_token(
    user_id: str,
    *,
    session_id: str | None = None,
    secret: bytes = TEST_SECRET.encode(),
    header: dict[str, Any] | None = None,
    drop: tuple[str, ...] = (),
    **claims: Any,
) -> str:
    """An access token as this service issues it (HS256, typ at+jwt), with changes."""
    now = int(time.time())
    values: dict[str, Any] = {
        "iss": OWN_ISSUER,
        "aud": OWN_AUDIENCE,
        "sub": user_id,
        "iat": now,
        "exp": now + 900,
        "jti": uuid.uuid4().hex,
        "ver": 0,
        "sid": session_id or str(uuid.uuid4()),
        **claims,
    }
    for name in drop:
        values.pop(name)
    return hmac_signed(header or {"alg": "HS256", "typ": "at+jwt"}, values, secret)


def ed25519_signed(header: dict[str, Any], claims: dict[str, Any], private_key: Ed25519PrivateKey) -> str:
    # By hand: joserfc warns that "EdDSA" is deprecated (RFC 9864), and Better Auth uses it.
    signing_input = f"{segment(header)}.{segment(claims)}"
    return f"{signing_input}.{b64url(private_key.sign(signing_input.encode()))}"


def signed(header: dict[str, Any], claims: dict[str, Any], key: ECKey | RSAKey) -> str:
    payload = json.dumps(claims, separators=(",", ":"))
    return jws.serialize_compact(header, payload, key, algorithms=[header["alg"]])
