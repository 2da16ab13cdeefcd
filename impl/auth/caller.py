"""Who calls: the bearer token, verified without touching the database, and the SQL condition
that every query made for the caller carries, so that one round trip both does the work and
proves that the token's user and login session are still valid.

A token is only as good as its user (deleted? password changed since, so token_version
moved on?) and its login session (logged out?). Those are rows, and checking them costs a
query; folded into the query the request makes anyway, it costs nothing more. A repository
function takes the `Caller`, never a bare owner id, and puts `caller_valid` in its WHERE
clause: a query that finds no valid caller returns nothing, and the handler answers 401.
"""

from __future__ import annotations

from typing import Annotated

import anyio.to_thread
from fastapi import Depends, Request, Security

from generated.security import oauth2
from impl.auth import user_repository
from impl.auth.external_tokens import ExternalTokenVerifier
from impl.auth.identity import Caller
from impl.auth.tokens import TokenService, unverified_issuer
from impl.db.database import Database
from impl.http.problems import Unauthorized


def bearer_token(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


async def authenticate(request: Request, token: str | None) -> Caller:
    """The caller named by a bearer token; 401 if there is none or it does not verify."""
    if not token:
        raise Unauthorized("An access token is required: send Authorization: Bearer <token>.")
    state = request.app.state
    external: ExternalTokenVerifier | None = state.external_tokens
    if external is not None and unverified_issuer(token) == external.issuer:
        # A new token may need the provider's keys fetched: verified off the event loop.
        identity = external.cached(token)
        if identity is None:
            identity = await anyio.to_thread.run_sync(external.verify, token)
        database: Database = state.database
        user_id = await user_repository.external_user_id(
            database, issuer=identity.issuer, subject=identity.subject
        )
        return Caller(user_id=user_id)
    tokens: TokenService = state.tokens
    claims = tokens.verify_access_token(token)
    return Caller(user_id=claims.user_id, token_version=claims.token_version, session_id=claims.session_id)


async def current_caller(request: Request, token: Annotated[str | None, Security(oauth2)]) -> Caller:
    caller = await authenticate(request, token)
    request.scope["state"]["user_id"] = str(caller.user_id)  # for the access log
    return caller


CurrentCaller = Annotated[Caller, Depends(current_caller)]
