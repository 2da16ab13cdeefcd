"""The signing keys of an external identity provider, fetched from its JWKS URL and cached.

Only the configured URL is ever fetched: key URLs inside tokens (jku, x5u) are never followed.
An unknown kid refetches the set at most once per refetch interval, so forged kids cannot
make this service hammer the provider. A failed fetch keeps serving the keys it had.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import threading
import time
from typing import Any

import httpx
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, OKPKey, RSAKey

logger = logging.getLogger("tasks_api.jwks")

MAX_JWKS_BYTES = 256 * 1024
MIN_RSA_BITS = 2048
PublicKey = OKPKey | ECKey | RSAKey
KEY_TYPES: dict[str, type[PublicKey]] = {"OKP": OKPKey, "EC": ECKey, "RSA": RSAKey}


class JwksUnavailableError(Exception):
    """No keys: the JWKS could not be fetched and none are cached."""


class JwksCache:
    def __init__(self, url: str, *, cache_seconds: int, refetch_seconds: int, timeout_seconds: float) -> None:
        self.url = url
        self._cache_seconds = cache_seconds
        self._refetch_seconds = refetch_seconds
        self._client = httpx.Client(
            timeout=timeout_seconds,
            follow_redirects=False,
            headers={"Accept": "application/jwk-set+json, application/json"},
        )
        self._keys: dict[str, PublicKey] = {}
        self._fetched_at: float | None = None  # last success
        self._attempted_at: float | None = None  # last attempt, successful or not
        self._lock = threading.Lock()

    def key(self, kid: str) -> PublicKey | None:
        """The key with this kid, or None if the provider does not publish one."""
        with self._lock:
            now = time.monotonic()
            stale = self._fetched_at is None or now - self._fetched_at >= self._cache_seconds
            if stale and self._may_fetch(now):
                self._refresh(now)
            elif kid not in self._keys and self._may_fetch(now):
                self._refresh(now)  # a new kid: the provider may have rotated its keys
            if self._fetched_at is None:
                raise JwksUnavailableError(self.url)
            return self._keys.get(kid)

    def _may_fetch(self, now: float) -> bool:
        return self._attempted_at is None or now - self._attempted_at >= self._refetch_seconds

    def _refresh(self, now: float) -> None:
        self._attempted_at = now
        try:
            keys = parse_key_set(self._download())
        except (httpx.HTTPError, ValueError) as error:
            logger.warning("cannot fetch the JWKS at %s: %s", self.url, error)
            return
        self._keys, self._fetched_at = keys, now
        logger.info("fetched %d signing key(s) from %s", len(keys), self.url)

    def _download(self) -> bytes:
        with self._client.stream("GET", self.url) as response:
            if response.status_code != httpx.codes.OK:
                raise ValueError(f"HTTP {response.status_code}")
            body = b""
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > MAX_JWKS_BYTES:
                    raise ValueError(f"larger than {MAX_JWKS_BYTES} bytes")
            return body

    def close(self) -> None:
        self._client.close()


def parse_key_set(body: bytes) -> dict[str, PublicKey]:
    """Public signing keys by kid. Symmetric, unknown or malformed keys are skipped."""
    document = json.loads(body)
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise ValueError("not a JWK set")
    keys: dict[str, PublicKey] = {}
    for data in document["keys"]:
        key = _public_key(data)
        if key is not None and key.kid is not None:
            keys[key.kid] = key
    if not keys:
        raise ValueError("no usable signing keys")
    return keys


def _public_key(data: Any) -> PublicKey | None:
    if not isinstance(data, dict) or not isinstance(data.get("kid"), str) or not data["kid"]:
        return None
    key_type = KEY_TYPES.get(data.get("kty", ""))
    if key_type is None or data.get("use", "sig") != "sig":
        return None  # "oct" keys above all: a shared secret must never come from a JWKS
    public = {name: value for name, value in data.items() if name not in {"d", "p", "q", "dp", "dq", "qi"}}
    try:
        if key_type is RSAKey and _rsa_bits(public) < MIN_RSA_BITS:
            return None
        return key_type.import_key(public)
    except (ValueError, TypeError, binascii.Error, JoseError) as error:
        logger.warning("skipping an unusable JWKS key %r: %s", data.get("kid"), error)
        return None


def _rsa_bits(data: dict[str, Any]) -> int:
    modulus = str(data.get("n", ""))
    return len(base64.urlsafe_b64decode(modulus + "=" * (-len(modulus) % 4)).lstrip(b"\0")) * 8
