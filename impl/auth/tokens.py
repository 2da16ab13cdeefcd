"""The tokens this service issues: made and checked here, and nowhere else. (An external
identity provider's tokens are checked by impl/auth/external_tokens.py.)

Access tokens are short-lived JWTs (RFC 9068 profile: `typ: at+jwt`) naming the user, the
user's token_version and the login session (`sid`); whether that user and session are still
valid is checked by the database query each request makes anyway (impl/auth/caller.py).
Refresh tokens are opaque random strings; only their SHA-256 is stored.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import secrets
import time
import uuid
from dataclasses import dataclass

from joserfc import jwt
from joserfc.jwk import OctKey

from impl.http.problems import InvalidToken
from impl.settings import Settings

ACCESS_TOKEN_TYPE = "at+jwt"  # noqa: S105  (RFC 9068 media type, not a secret)
MAX_TOKEN_CHARS = 4096
# External providers put more in their tokens (Keycloak's roles, Better Auth's user object).
MAX_EXTERNAL_TOKEN_CHARS = 16_384


# Verified tokens are remembered, so that a client's next requests with the same token skip
# the signature check (the expiry is checked on every use). Bounded: the oldest go first.
VERIFIED_CACHE_SIZE = 4096


@dataclass(frozen=True)
class AccessClaims:
    user_id: uuid.UUID
    token_version: int
    session_id: uuid.UUID
    expires_at: int


class TokenService:
    """Issues and verifies access tokens with one key and an explicit algorithm allow-list."""

    def __init__(self, settings: Settings) -> None:
        assert settings.jwt_secret is not None  # with_development_secret supplies one in development
        self._key = OctKey.import_key(settings.jwt_secret.get_secret_value().encode())
        self._algorithm = settings.jwt_algorithm
        self._issuer = settings.jwt_issuer
        self._audience = settings.jwt_audience
        self._leeway = settings.jwt_leeway_seconds
        self.access_ttl = settings.access_token_ttl_seconds
        self._claims = jwt.JWTClaimsRegistry(
            leeway=self._leeway,
            iss={"essential": True, "value": self._issuer},
            aud={"essential": True, "value": self._audience},
            sub={"essential": True},
            exp={"essential": True},
            iat={"essential": True},
            jti={"essential": True},
        )
        self._verified: dict[str, AccessClaims] = {}

    def issue_access_token(self, *, user_id: uuid.UUID, token_version: int, session_id: uuid.UUID) -> str:
        now = int(time.time())
        claims = {
            "iss": self._issuer,
            "aud": self._audience,
            "sub": str(user_id),
            "iat": now,
            "exp": now + self.access_ttl,
            "jti": uuid.uuid4().hex,
            "ver": token_version,
            "sid": str(session_id),
        }
        header = {"alg": self._algorithm, "typ": ACCESS_TOKEN_TYPE}
        return jwt.encode(header, claims, self._key, algorithms=[self._algorithm])

    def verify_access_token(self, token: str) -> AccessClaims:
        claims = self._verified.get(token)
        if claims is None:
            claims = self._verify(token)
            if len(self._verified) >= VERIFIED_CACHE_SIZE:
                del self._verified[next(iter(self._verified))]
            self._verified[token] = claims
        if claims.expires_at + self._leeway < time.time():
            raise InvalidToken()
        return claims

    def _verify(self, token: str) -> AccessClaims:
        if len(token) > MAX_TOKEN_CHARS:
            raise InvalidToken()
        try:
            decoded = jwt.decode(token, self._key, algorithms=[self._algorithm])
            self._claims.validate(decoded.claims)
        except Exception as error:  # any failure to parse or verify is the same 401
            raise InvalidToken() from error
        header, claims = decoded.header, decoded.claims
        if header.get("typ") != ACCESS_TOKEN_TYPE or header.get("alg") != self._algorithm:
            raise InvalidToken()
        issued_at = claims["iat"]
        version = claims.get("ver")
        if not isinstance(issued_at, int) or issued_at > time.time() + self._leeway:
            raise InvalidToken()
        if not isinstance(version, int) or isinstance(version, bool):
            raise InvalidToken()
        try:
            user_id = uuid.UUID(claims["sub"])
            session_id = uuid.UUID(claims["sid"])
        except (KeyError, ValueError, TypeError, AttributeError) as error:
            raise InvalidToken() from error
        return AccessClaims(
            user_id=user_id, token_version=version, session_id=session_id, expires_at=int(claims["exp"])
        )


def unverified_issuer(token: str) -> str | None:
    """The `iss` claim, read without checking anything.

    Only to choose which verifier checks the token, with its own keys and algorithms; each
    verifier checks `iss` again. Nothing else may trust this value.
    """
    parts = token.split(".")
    if len(token) > MAX_EXTERNAL_TOKEN_CHARS or len(parts) != 3:
        return None
    try:
        claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (ValueError, binascii.Error):
        return None
    issuer = claims.get("iss") if isinstance(claims, dict) else None
    return issuer if isinstance(issuer, str) else None


def new_refresh_token() -> str:
    return secrets.token_urlsafe(32)


def hash_refresh_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
