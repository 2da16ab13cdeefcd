"""The caller as a FastAPI dependency: the bearer token verified, its user loaded."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, Security
from sqlmodel import Session

from generated.security import oauth2
from impl.auth import user_repository as user_store
from impl.auth.external_tokens import ExternalTokenVerifier
from impl.auth.tokens import TokenService, unverified_issuer
from impl.db.sessions import SessionDep
from impl.db.tables import UserRow
from impl.http.problems import InvalidToken, Unauthorized
from impl.http.request_quota import charge_request


def get_token_service(request: Request) -> TokenService:
    service: TokenService = request.app.state.tokens
    return service


def get_external_tokens(request: Request) -> ExternalTokenVerifier | None:
    verifier: ExternalTokenVerifier | None = request.app.state.external_tokens
    return verifier


TokensDep = Annotated[TokenService, Depends(get_token_service)]
ExternalTokensDep = Annotated[ExternalTokenVerifier | None, Depends(get_external_tokens)]


def authenticate(
    token: str | None,
    *,
    session: Session,
    tokens: TokenService,
    external: ExternalTokenVerifier | None,
) -> UserRow:
    if not token:
        raise Unauthorized("An access token is required: send Authorization: Bearer <token>.")
    if external is not None and unverified_issuer(token) == external.issuer:
        identity = external.verify(token)
        return user_store.get_or_create_external_user(
            session, issuer=identity.issuer, subject=identity.subject
        )
    claims = tokens.verify_access_token(token)
    user = user_store.get_user(session, user_id=claims.user_id)
    if user is None or user.token_version != claims.token_version:
        raise InvalidToken()
    return user


def bearer_token(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


def get_current_user(
    request: Request,
    token: Annotated[str | None, Security(oauth2)],
    session: SessionDep,
    tokens: TokensDep,
    external: ExternalTokensDep,
) -> UserRow:
    user = authenticate(token, session=session, tokens=tokens, external=external)
    charge_request(request, user.id)
    return user


CurrentUser = Annotated[UserRow, Depends(get_current_user)]
