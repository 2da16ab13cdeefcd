"""Access tokens of an external identity provider (Better Auth, Auth0, Clerk, Keycloak...).

Verified against the provider's published keys (impl/auth/jwks.py) with an allow-list of
asymmetric algorithms: a token signed with HS256, with "none", or with a key named by the
token itself (jku, x5u, jwk) is refused. Issuer, audience, expiry, issued-at, not-before and
subject are always checked. Only impl/auth/dependencies.py authenticate() calls this.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from joserfc import jwt
from joserfc.errors import InvalidKeyCurveError, JoseError
from joserfc.jwa import EdDSAAlgorithm
from joserfc.jws import JWSRegistry

from impl.auth.jwks import JwksCache, JwksUnavailableError, PublicKey
from impl.http.problems import InvalidToken
from impl.settings import Settings

MAX_SUBJECT_CHARS = 255


class Ed25519Only(EdDSAAlgorithm):
    """ "EdDSA" as Better Auth signs with it, restricted to Ed25519 keys.

    RFC 9864 deprecates the polymorphic "EdDSA" (Ed25519 or Ed448) for "Ed25519"; pinning
    the curve makes it exactly "Ed25519", so joserfc's deprecation warning does not apply.
    """

    security_warning = None  # type: ignore[assignment]

    def check_key(self, key: Any) -> None:
        super().check_key(key)
        if key.curve_name != "Ed25519":
            raise InvalidKeyCurveError("EdDSA is accepted with Ed25519 keys only")


@dataclass(frozen=True)
class ExternalIdentity:
    issuer: str
    subject: str
    expires_at: float = 0.0


# Tokens verified already, so that a client's next requests skip the signature check and
# the hop to a worker thread (the expiry is checked on every use). Bounded: oldest go first.
VERIFIED_CACHE_SIZE = 4096


class ExternalTokenVerifier:
    def __init__(self, settings: Settings) -> None:
        assert settings.external_jwt_jwks_url
        assert settings.external_jwt_issuer
        assert settings.external_jwt_audience
        self.issuer = settings.external_jwt_issuer
        self._keys = JwksCache(
            settings.external_jwt_jwks_url,
            cache_seconds=settings.external_jwt_jwks_cache_seconds,
            refetch_seconds=settings.external_jwt_jwks_refetch_seconds,
            timeout_seconds=settings.external_jwt_jwks_timeout_seconds,
        )
        self._algorithms = list(settings.external_jwt_algorithms)
        # Providers add headers of their own (Clerk's "cat"): unknown non-critical headers
        # are ignored, and nothing in the header chooses the key but the kid.
        self._registry = JWSRegistry(algorithms=self._algorithms, strict_check_header=False)
        self._registry.algorithms = {**JWSRegistry.algorithms, "EdDSA": Ed25519Only()}
        self._leeway = settings.jwt_leeway_seconds
        self._verified: dict[str, ExternalIdentity] = {}
        self._claims = jwt.JWTClaimsRegistry(
            leeway=settings.jwt_leeway_seconds,
            iss={"essential": True, "value": self.issuer},
            aud={"essential": True, "value": settings.external_jwt_audience},
            sub={"essential": True},
            exp={"essential": True},
            iat={"essential": True},
        )

    def cached(self, token: str) -> ExternalIdentity | None:
        """The identity of a token verified before and not expired since; None otherwise."""
        identity = self._verified.get(token)
        if identity is None or identity.expires_at + self._leeway < time.time():
            return None
        return identity

    def verify(self, token: str) -> ExternalIdentity:
        """Verify the token (may fetch the provider's keys: call it off the event loop)."""
        identity = self._verify(token)
        if len(self._verified) >= VERIFIED_CACHE_SIZE:
            self._verified.pop(next(iter(self._verified)), None)
        self._verified[token] = identity
        return identity

    def _verify(self, token: str) -> ExternalIdentity:
        try:
            decoded = jwt.decode(token, self._key_for, algorithms=self._algorithms, registry=self._registry)
            self._claims.validate(decoded.claims)
        except JwksUnavailableError as error:
            raise InvalidToken(
                "The access token cannot be checked now: the identity provider's keys are unavailable."
            ) from error
        except (JoseError, ValueError, TypeError, KeyError) as error:
            raise InvalidToken() from error
        subject = decoded.claims["sub"]
        if not isinstance(subject, str) or not 0 < len(subject) <= MAX_SUBJECT_CHARS:
            raise InvalidToken()
        return ExternalIdentity(issuer=self.issuer, subject=subject, expires_at=float(decoded.claims["exp"]))

    def _key_for(self, token: Any) -> PublicKey:
        header = token.headers()
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise ValueError("the token names no key (kid)")
        key = self._keys.key(kid)
        if key is None:
            raise ValueError("the provider publishes no key with this kid")
        if key.alg is not None and key.alg != header.get("alg"):
            raise ValueError("the key is published for another algorithm")
        return key

    def close(self) -> None:
        self._keys.close()
