"""Idempotency-Key: a retried request gets the original response instead of a second effect.

The key is claimed (inserted) first in the request's transaction and the response is stored
in the same transaction: concurrent duplicates wait on the unique (user, key) index and then
replay what the first one committed; if the first one failed, nothing was committed and the
next one does the work.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from fastapi import Response
from pydantic import BaseModel

from impl.auth.identity import Caller, revoked
from impl.db.database import Connection
from impl.db.sql import Step, StepResult
from impl.http.problems import IdempotencyKeyInUse, IdempotencyKeyReused
from impl.idempotency import keys as key_store

REPLAYED_HEADER = "Idempotent-Replayed"
JSON_MEDIA_TYPE = "application/json"


def as_stored(body: bytes | str) -> bytes:
    return body.encode() if isinstance(body, str) else body


def fingerprint(method: str, path: str, body: BaseModel | None) -> str:
    """The request a key stands for: method, path and the validated body (defaults included,
    so that `{"title": "x"}` and `{"title": "x", "completed": false}` are the same request)."""
    described = {
        "method": method,
        "path": path,
        "body": body.model_dump(mode="json") if body is not None else None,
    }
    text = json.dumps(described, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass
class IdempotencyKey:
    """One request's key, claimed in its unit of work."""

    connection: Connection
    caller: Caller
    key: str
    fingerprint: str
    now: datetime
    ttl: timedelta
    # A stored response as it is to be sent again now (e.g. brought up to the contract's
    # current shape); by default as it was stored.
    replayable: Callable[[bytes | str], bytes] = as_stored

    def claim_step(self) -> Step:
        return key_store.claim(
            self.connection, self.caller, key=self.key, fingerprint=self.fingerprint, now=self.now
        )

    async def replay(self, claimed: StepResult) -> Response | None:
        """None if the claim won: the caller does the work and stores its response with
        `save_step`. Otherwise the response to send again. A key used for another request is
        a 422; one whose first request has not finished yet a 409."""
        if claimed.rows:
            return None
        row = await key_store.get_key(self.connection, user_id=self.caller.user_id, key=self.key)
        if row is None:
            raise revoked()  # the claim inserted nothing, and not because the key exists
        stored_fingerprint, status, body, headers, created_at = row
        expired_before = self.now - self.ttl
        if created_at < expired_before:
            if await key_store.reclaim_expired_key(
                self.connection,
                user_id=self.caller.user_id,
                key=self.key,
                fingerprint=self.fingerprint,
                now=self.now,
                expired_before=expired_before,
            ):
                return None
            row = await key_store.get_key(self.connection, user_id=self.caller.user_id, key=self.key)
            assert row is not None
            stored_fingerprint, status, body, headers, created_at = row
        if status is None or body is None:
            # Not reachable while claims and responses commit together; refuse rather than guess.
            raise IdempotencyKeyInUse()
        if stored_fingerprint != self.fingerprint:
            raise IdempotencyKeyReused()
        replayed = {**json.loads(headers or "{}"), REPLAYED_HEADER: "true"}
        return Response(
            self.replayable(body), status_code=status, headers=replayed, media_type=JSON_MEDIA_TYPE
        )

    def save_step(self, *, status: int, body: bytes, headers: dict[str, str]) -> Step:
        return Step(
            key_store.SAVE_RESPONSE,
            {
                "user_id": self.caller.user_id,
                "key": self.key,
                "status": status,
                "body": body.decode(),
                "headers": json.dumps(headers, sort_keys=True),
            },
        )
