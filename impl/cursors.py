"""Opaque, tamper-evident page cursors: base64url(JSON keyset) + "." + truncated HMAC."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import uuid
from datetime import datetime

from .errors import ValidationFailed

SIGNATURE_BYTES = 16


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class CursorCodec:
    def __init__(self, secret: bytes) -> None:
        # A key of its own, derived from the signing secret, so cursors can't be replayed as
        # anything else.
        self._key = hmac.new(secret, b"tasks-api page cursor v1", hashlib.sha256).digest()

    def _sign(self, payload: str) -> str:
        digest = hmac.new(self._key, payload.encode(), hashlib.sha256).digest()
        return _b64(digest[:SIGNATURE_BYTES])

    def encode(self, created_at: datetime, task_id: uuid.UUID) -> str:
        payload = _b64(json.dumps([created_at.isoformat(), task_id.hex], separators=(",", ":")).encode())
        return f"{payload}.{self._sign(payload)}"

    def decode(self, cursor: str) -> tuple[datetime, uuid.UUID]:
        payload, _, signature = cursor.partition(".")
        if not hmac.compare_digest(signature, self._sign(payload)):
            raise _invalid()
        try:
            created_at, task_id = json.loads(_unb64(payload))
            keyset = datetime.fromisoformat(created_at), uuid.UUID(hex=task_id)
        except (ValueError, TypeError, binascii.Error) as error:
            raise _invalid() from error
        if keyset[0].tzinfo is None:
            raise _invalid()
        return keyset


def _invalid() -> ValidationFailed:
    return ValidationFailed(
        [{"pointer": "/query/cursor", "detail": "Invalid cursor: pass a next_cursor unchanged."}]
    )
