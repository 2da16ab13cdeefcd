"""Idempotency-Key: a retried request gets the original response instead of a second effect.

The key is claimed (inserted) before the work, in the request's transaction, and the response
is stored in the same transaction: concurrent duplicates wait on the unique (user, key) index
and then replay what the first one committed; if the first one failed, nothing was committed
and the next one does the work.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import BaseModel
from sqlmodel import Session

from impl.http.problems import IdempotencyKeyInUse, IdempotencyKeyReused
from impl.tasks import idempotency_keys as key_store

REPLAYED_HEADER = "Idempotent-Replayed"


@dataclass(frozen=True)
class StoredResponse:
    status: int
    body: str
    headers: dict[str, str]


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


class IdempotencyKeys:
    def __init__(self, session: Session, *, user_id: uuid.UUID, now: datetime, ttl: timedelta) -> None:
        self.session = session
        self.user_id = user_id
        self.now = now
        self.ttl = ttl

    def claim(self, key: str, request_fingerprint: str) -> StoredResponse | None:
        """None: the caller does the work and then calls `store`. Otherwise, the response to
        replay. A key used for another request is a 422."""
        user_id, now = self.user_id, self.now
        if key_store.claim_key(
            self.session, user_id=user_id, key=key, fingerprint=request_fingerprint, now=now
        ):
            return None
        row = key_store.get_key(self.session, user_id=user_id, key=key)
        expired_before = now - self.ttl
        if row is not None and row.created_at < expired_before:
            if key_store.reclaim_expired_key(
                self.session,
                user_id=user_id,
                key=key,
                fingerprint=request_fingerprint,
                now=now,
                expired_before=expired_before,
            ):
                return None
            row = key_store.get_key(self.session, user_id=user_id, key=key)
        if row is None or row.response_status is None or row.response_body is None:
            # Not reachable while claims and responses commit together; refuse rather than guess.
            raise IdempotencyKeyInUse()
        if row.fingerprint != request_fingerprint:
            raise IdempotencyKeyReused()
        headers = json.loads(row.response_headers or "{}")
        return StoredResponse(row.response_status, row.response_body, {**headers, REPLAYED_HEADER: "true"})

    def store(self, key: str, *, status: int, body: BaseModel, headers: dict[str, str]) -> None:
        key_store.save_response(
            self.session,
            user_id=self.user_id,
            key=key,
            status=status,
            body=body.model_dump_json(),
            headers=json.dumps(headers, sort_keys=True),
        )
