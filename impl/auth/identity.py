"""The caller of a request, as every query sees it: who it is, and the SQL condition that
proves its token's user and login session are still valid (see impl/auth/caller.py)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from impl.db.sql import Params
from impl.http.problems import InvalidToken

# `{caller_valid}` in a repository's SQL: the token's user exists, still has the token's
# token_version, and the token's login session is not revoked.
LOCAL_CALLER_VALID = (
    "EXISTS (SELECT 1 FROM users cu JOIN login_sessions cs ON cs.user_id = cu.id"
    " WHERE cu.id = :caller_id AND cu.token_version = :caller_version"
    " AND cs.id = :caller_session AND cs.revoked_at IS NULL)"
)
# An external identity provider's token: the provider vouches for it; the account must exist.
EXTERNAL_CALLER_VALID = "EXISTS (SELECT 1 FROM users cu WHERE cu.id = :caller_id)"


@dataclass(frozen=True, slots=True)
class Caller:
    user_id: uuid.UUID
    # None for an external identity provider's token.
    token_version: int | None = None
    session_id: uuid.UUID | None = None

    @property
    def is_external(self) -> bool:
        return self.session_id is None

    @property
    def valid_sql(self) -> str:
        return EXTERNAL_CALLER_VALID if self.is_external else LOCAL_CALLER_VALID

    @property
    def params(self) -> Params:
        if self.is_external:
            return {"caller_id": self.user_id}
        return {
            "caller_id": self.user_id,
            "caller_version": self.token_version,
            "caller_session": self.session_id,
        }


def sql_for(template: str, caller: Caller) -> str:
    """`template` with `{caller_valid}` replaced by this caller's condition."""
    return template.replace("{caller_valid}", caller.valid_sql)


def revoked() -> InvalidToken:
    """What a query that found no valid caller answers."""
    return InvalidToken("The access token is no longer valid: its user or login session has ended.")
