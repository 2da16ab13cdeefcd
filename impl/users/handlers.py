from __future__ import annotations

from fastapi import Request

from generated.models import AccountDeletionRequest, PasswordChangeRequest, User
from generated.routers.users import UsersHandlers
from impl.auth import refresh_tokens as refresh_store
from impl.auth import user_repository as user_store
from impl.auth.accounts import user_response
from impl.auth.dependencies import CurrentUser
from impl.auth.password_policy import check_new_password
from impl.auth.passwords import hash_password, verify_password
from impl.db.sessions import SessionDep
from impl.db.timestamps import utc_now
from impl.http.problems import WrongPassword
from impl.http.rate_limits import (
    LOGIN_ACCOUNT,
    LOGIN_ADDRESS,
    RateLimits,
    RateLimitsDep,
    client_address,
    per_account,
    per_address,
)


class UsersImpl(UsersHandlers):
    def __init__(
        self, user: CurrentUser, session: SessionDep, rate_limits: RateLimitsDep, request: Request
    ) -> None:
        self.user = user
        self.session = session
        self.rate_limits: RateLimits = rate_limits
        self.address = client_address(request)

    def get_current_user(self) -> User:
        return user_response(self.user)

    def change_password(self, *, body: PasswordChangeRequest) -> None:
        self._confirm_password(body.current_password)
        check_new_password(body.new_password, email=self.user.email, pointer="/body/new_password")
        now = utc_now()
        user_store.set_password(
            self.session, user=self.user, password_hash=hash_password(body.new_password), now=now
        )
        refresh_store.revoke_all(self.session, user_id=self.user.id, now=now)

    def delete_current_user(self, *, body: AccountDeletionRequest) -> None:
        self._confirm_password(body.password)
        user_store.delete_user(self.session, user_id=self.user.id)

    def _confirm_password(self, password: str) -> None:
        """Guessing a password here, with a stolen access token, costs the same attempts as
        guessing it at login."""
        if self.user.password_hash is None or self.user.email_key is None:
            raise WrongPassword(
                "This account signs in through an external identity provider and has no password here."
            )
        self.rate_limits.enforce(
            per_address(LOGIN_ADDRESS, self.address), per_account(LOGIN_ACCOUNT, self.user.email_key)
        )
        if not verify_password(password, self.user.password_hash):
            raise WrongPassword()
