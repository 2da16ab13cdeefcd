"""The `auth` operations: register, log in (OAuth2 password grant), refresh, log out.

Password hashing runs on worker threads and never while a database connection is held.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from fastapi import Request, Response

from generated.models import RefreshRequest, RegisterRequest, TokenPair, TokenRequest, User
from generated.routers.auth import AuthHandlers
from impl.auth import refresh_tokens, user_repository
from impl.auth.accounts import user_response
from impl.auth.caller import authenticate, bearer_token
from impl.auth.password_policy import check_new_password
from impl.auth.passwords import hash_password_async, verify_password_async
from impl.auth.refresh_tokens import NewRefreshToken
from impl.auth.tokens import TokenService, hash_refresh_token, new_refresh_token
from impl.db.database import Database
from impl.db.timestamps import utc_now
from impl.http.problems import EmailTaken, InvalidCredentials, InvalidRefreshToken
from impl.http.rate_limits import (
    LOGIN_ACCOUNT,
    LOGIN_ADDRESS,
    REFRESH_ADDRESS,
    REGISTER_ADDRESS,
    RateLimits,
    client_address,
    per_account,
    per_address,
)
from impl.settings import Settings


class AuthImpl(AuthHandlers):
    def __init__(self, request: Request) -> None:
        state = request.app.state
        self.request = request
        self.database: Database = state.database
        self.settings: Settings = state.settings
        self.tokens: TokenService = state.tokens
        self.rate_limits: RateLimits = state.rate_limits
        self.address = client_address(request)

    @classmethod
    async def from_request(cls, request: Request) -> AuthImpl:
        return cls(request)

    async def register_user(self, *, body: RegisterRequest) -> User:
        await self.rate_limits.enforce(per_address(REGISTER_ADDRESS, self.address))
        check_new_password(body.password, email=str(body.email), pointer="/body/password")
        password_hash = await hash_password_async(body.password)
        account = await user_repository.create_user(
            self.database, email=str(body.email), password_hash=password_hash, now=utc_now()
        )
        if account is None:
            raise EmailTaken()
        return user_response(account)

    async def issue_token(self, *, body: TokenRequest) -> TokenPair | Response:
        await self.rate_limits.enforce(
            per_address(LOGIN_ADDRESS, self.address),
            per_account(LOGIN_ACCOUNT, user_repository.email_key(body.username)),
        )
        account = await user_repository.get_by_email(self.database, email=body.username)
        password_hash = account.password_hash if account is not None else None
        if not await verify_password_async(body.password, password_hash) or account is None:
            raise InvalidCredentials()
        refresh_token, stored = self._new_refresh_token()
        async with self.database.write() as connection:
            session_id = await refresh_tokens.start_session(
                connection, user_id=account.id, token=stored, now=utc_now()
            )
        return self._token_pair(account.id, account.token_version, session_id, refresh_token)

    async def refresh_token(self, *, body: RefreshRequest) -> TokenPair | Response:
        await self.rate_limits.enforce(per_address(REFRESH_ADDRESS, self.address))
        refresh_token, stored = self._new_refresh_token()
        async with self.database.write() as connection:
            refreshed = await refresh_tokens.spend(
                connection, token_hash=hash_refresh_token(body.refresh_token), following=stored, now=utc_now()
            )
        if refreshed is None:
            raise InvalidRefreshToken()
        return self._token_pair(
            refreshed.user_id, refreshed.token_version, refreshed.session_id, refresh_token
        )

    async def logout(self, *, body: RefreshRequest) -> None:
        # The other auth operations are public, so the caller is authenticated here rather
        # than by a dependency of the whole tag (that would mark every auth route secured).
        caller = await authenticate(self.request, bearer_token(self.request))
        async with self.database.write() as connection:
            await refresh_tokens.end_callers_session(
                connection, caller, token_hash=hash_refresh_token(body.refresh_token), now=utc_now()
            )

    def _new_refresh_token(self) -> tuple[str, NewRefreshToken]:
        token = new_refresh_token()
        expires_at = utc_now() + timedelta(seconds=self.settings.refresh_token_ttl_seconds)
        return token, NewRefreshToken(token_hash=hash_refresh_token(token), expires_at=expires_at)

    def _token_pair(
        self, user_id: uuid.UUID, token_version: int, session_id: uuid.UUID, refresh_token: str
    ) -> Response:
        pair = TokenPair(
            access_token=self.tokens.issue_access_token(
                user_id=user_id, token_version=token_version, session_id=session_id
            ),
            token_type="bearer",  # noqa: S106  (the OAuth2 token type, not a secret)
            expires_in=self.tokens.access_ttl,
            refresh_token=refresh_token,
        )
        return Response(
            pair.model_dump_json(),
            media_type="application/json",
            headers={"Cache-Control": "no-store", "Pragma": "no-cache"},
        )
