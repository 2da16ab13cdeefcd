"""FastAPI dependencies shared by the handlers: the request's session, settings, caller."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request, Security
from sqlmodel import Session

from generated.security import oauth2
from impl.db.engine import session_scope
from impl.db.tables import UserRow
from impl.external_tokens import ExternalTokenVerifier
from impl.http.problems import InvalidToken, Unauthorized
from impl.http.rate_limits import RateLimits
from impl.settings import Settings
from impl.store import users as user_store
from impl.tokens import TokenService, unverified_issuer

READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def get_session(request: Request) -> AsyncIterator[Session]:
    write = request.method not in READ_ONLY_METHODS
    async with session_scope(request.app.state.make_session, write=write) as session:
        yield session


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_token_service(request: Request) -> TokenService:
    service: TokenService = request.app.state.tokens
    return service


def get_external_tokens(request: Request) -> ExternalTokenVerifier | None:
    verifier: ExternalTokenVerifier | None = request.app.state.external_tokens
    return verifier


def get_rate_limits(request: Request) -> RateLimits:
    limits: RateLimits = request.app.state.rate_limits
    return limits


# scope="function": commit before the response is sent, so a failed commit is a 500,
# never a success the client was told about.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
SettingsDep = Annotated[Settings, Depends(get_settings)]
TokensDep = Annotated[TokenService, Depends(get_token_service)]
ExternalTokensDep = Annotated[ExternalTokenVerifier | None, Depends(get_external_tokens)]
RateLimitsDep = Annotated[RateLimits, Depends(get_rate_limits)]


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


def client_address(request: Request) -> str | None:
    """The client's address; behind a proxy listed in FORWARDED_ALLOW_IPS, uvicorn has already
    replaced it with the one from X-Forwarded-For."""
    return request.client.host if request.client else None


def bearer_token(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


def get_current_user(
    token: Annotated[str | None, Security(oauth2)],
    session: SessionDep,
    tokens: TokensDep,
    external: ExternalTokensDep,
) -> UserRow:
    return authenticate(token, session=session, tokens=tokens, external=external)


CurrentUser = Annotated[UserRow, Depends(get_current_user)]
