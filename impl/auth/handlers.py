from __future__ import annotations

import uuid
from datetime import timedelta

from fastapi import Request, Response

from generated.models import RefreshRequest, RegisterRequest, TokenPair, TokenRequest, User
from generated.routers.auth import AuthHandlers
from impl.auth import refresh_tokens as refresh_store
from impl.auth import user_repository as user_store
from impl.auth.accounts import user_response
from impl.auth.dependencies import ExternalTokensDep, TokensDep, authenticate, bearer_token
from impl.auth.oauth2_errors import InvalidGrant
from impl.auth.password_policy import check_new_password
from impl.auth.passwords import hash_password, spend_verification_time, verify_password
from impl.auth.tokens import hash_refresh_token, new_refresh_token
from impl.db.sessions import SessionDep
from impl.db.tables import RefreshTokenRow, UserRow
from impl.db.timestamps import utc_now
from impl.http.problems import EmailTaken, InvalidRefreshToken
from impl.http.rate_limits import (
    LOGIN_ACCOUNT,
    LOGIN_ADDRESS,
    REFRESH_ADDRESS,
    REGISTER_ADDRESS,
    RateLimitsDep,
    client_address,
    per_account,
    per_address,
)
from impl.http.request_quota import charge_request
from impl.http.state import SettingsDep


class AuthImpl(AuthHandlers):
    def __init__(  # noqa: PLR0917  (FastAPI resolves these per request)
        self,
        session: SessionDep,
        settings: SettingsDep,
        tokens: TokensDep,
        external: ExternalTokensDep,
        rate_limits: RateLimitsDep,
        request: Request,
        response: Response,
    ) -> None:
        self.request = request
        self.session = session
        self.settings = settings
        self.tokens = tokens
        self.external = external
        self.rate_limits = rate_limits
        self.address = client_address(request)
        self.response = response

    def register_user(self, *, body: RegisterRequest) -> User:
        self.rate_limits.enforce(per_address(REGISTER_ADDRESS, self.address))
        check_new_password(body.password, email=str(body.email), pointer="/body/password")
        user = user_store.create_user(
            self.session, email=str(body.email), password_hash=hash_password(body.password)
        )
        if user is None:
            raise EmailTaken()
        return user_response(user)

    def issue_token(self, *, body: TokenRequest) -> TokenPair:
        self.rate_limits.enforce(
            per_address(LOGIN_ADDRESS, self.address),
            per_account(LOGIN_ACCOUNT, user_store.email_key(body.username)),
        )
        user = user_store.get_user_by_email(self.session, email=body.username)
        if user is None or user.password_hash is None:
            spend_verification_time(body.password)
            raise InvalidGrant()
        if not verify_password(body.password, user.password_hash):
            raise InvalidGrant()
        return self._token_pair(user, family_id=uuid.uuid4())

    def refresh_token(self, *, body: RefreshRequest) -> TokenPair:
        self.rate_limits.enforce(per_address(REFRESH_ADDRESS, self.address))
        now = utc_now()
        stored = refresh_store.get_by_hash(self.session, token_hash=hash_refresh_token(body.refresh_token))
        if stored is None or stored.expires_at <= now:
            raise InvalidRefreshToken()
        if not refresh_store.mark_used(self.session, token_id=stored.id, now=now):
            # A used or revoked token came back: it was stolen or replayed. Revoke the whole
            # login, and keep that revocation although this request fails.
            refresh_store.revoke_family(
                self.session, user_id=stored.user_id, family_id=stored.family_id, now=now
            )
            self.session.commit()
            raise InvalidRefreshToken()
        user = user_store.get_user(self.session, user_id=stored.user_id)
        if user is None:
            raise InvalidRefreshToken()
        return self._token_pair(user, family_id=stored.family_id)

    def logout(self, *, body: RefreshRequest) -> None:
        # The other auth operations are public, so the caller is authenticated here rather
        # than by a constructor dependency (that would mark every auth route as secured).
        user = authenticate(
            bearer_token(self.request), session=self.session, tokens=self.tokens, external=self.external
        )
        charge_request(self.request, user.id)
        stored = refresh_store.get_by_hash(self.session, token_hash=hash_refresh_token(body.refresh_token))
        if stored is not None and stored.user_id == user.id:
            refresh_store.revoke_family(
                self.session, user_id=user.id, family_id=stored.family_id, now=utc_now()
            )

    def _token_pair(self, user: UserRow, *, family_id: uuid.UUID) -> TokenPair:
        refresh_token = new_refresh_token()
        now = utc_now()
        refresh_store.add(
            self.session,
            token=RefreshTokenRow(
                user_id=user.id,
                family_id=family_id,
                token_hash=hash_refresh_token(refresh_token),
                created_at=now,
                expires_at=now + timedelta(seconds=self.settings.refresh_token_ttl_seconds),
            ),
        )
        self.response.headers["Cache-Control"] = "no-store"
        self.response.headers["Pragma"] = "no-cache"
        return TokenPair(
            access_token=self.tokens.issue_access_token(user_id=user.id, token_version=user.token_version),
            token_type="bearer",  # noqa: S106  (the OAuth2 token type, not a secret)
            expires_in=self.tokens.access_ttl,
            refresh_token=refresh_token,
        )
