"""Opaque, tamper-evident page cursors: base64url(JSON) + "." + truncated HMAC.

A cursor carries the position after the last item of a page (the sort key's value and the
item's id) and the fingerprint of the query that produced it (filters and sort), so that it
can be neither forged nor reused with another query.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import uuid

from impl.http.problems import ValidationFailed

SIGNATURE_BYTES = 16
FORMAT = 2
INVALID = "Invalid cursor: pass a next_cursor unchanged."
OTHER_QUERY = (
    "This cursor belongs to another query: repeat the filters and sort of the request that returned it."
)


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

    def encode(self, *, query: str, value: str | int | None, item_id: uuid.UUID) -> str:
        document = [FORMAT, query, value, item_id.hex]
        payload = _b64(json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode())
        return f"{payload}.{self._sign(payload)}"

    def decode(self, cursor: str, *, query: str) -> tuple[object, uuid.UUID]:
        """The (sort value, id) a cursor carries; 422 if it is forged or from another query."""
        payload, _, signature = cursor.partition(".")
        if not hmac.compare_digest(signature, self._sign(payload)):
            raise _invalid(INVALID)
        try:
            version, cursor_query, value, item_id = json.loads(_unb64(payload))
            position = value, uuid.UUID(hex=item_id)
        except (ValueError, TypeError, binascii.Error) as error:
            raise _invalid(INVALID) from error
        if version != FORMAT:
            raise _invalid(INVALID)
        if not hmac.compare_digest(str(cursor_query), query):
            raise _invalid(OTHER_QUERY)
        return position


def _invalid(detail: str) -> ValidationFailed:
    return ValidationFailed([{"pointer": "/query/cursor", "detail": detail}])
