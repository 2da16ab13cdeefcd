"""The `users` operations: the caller's own account."""

from __future__ import annotations

from fastapi import Request

from generated.models import AccountDeletionRequest, PasswordChangeRequest, User
from generated.routers.users import UsersHandlers
from impl.auth import user_repository
from impl.auth.accounts import user_response
from impl.auth.caller import CurrentCaller
from impl.auth.identity import Caller, revoked
from impl.auth.password_policy import check_new_password
from impl.auth.passwords import hash_password_async, verify_password_async
from impl.auth.user_repository import Account
from impl.db.database import Database
from impl.db.timestamps import utc_now
from impl.http.problems import WrongPassword
from impl.http.rate_limits import (
    LOGIN_ACCOUNT,
    LOGIN_ADDRESS,
    RateLimits,
    client_address,
    per_account,
    per_address,
)


class UsersImpl(UsersHandlers):
    def __init__(self, request: Request, caller: Caller) -> None:
        state = request.app.state
        self.caller = caller
        self.database: Database = state.database
        self.rate_limits: RateLimits = state.rate_limits
        self.address = client_address(request)

    @classmethod
    async def from_request(cls, request: Request, caller: CurrentCaller) -> UsersImpl:
        return cls(request, caller)

    async def get_current_user(self) -> User:
        return user_response(await self._account())

    async def change_password(self, *, body: PasswordChangeRequest) -> None:
        account = await self._account()
        await self._confirm_password(account, body.current_password)
        check_new_password(body.new_password, email=account.email, pointer="/body/new_password")
        password_hash = await hash_password_async(body.new_password)
        async with self.database.write() as connection:
            changed = await user_repository.set_password(
                connection, account=account, password_hash=password_hash, now=utc_now()
            )
        if not changed:
            # Another password change won in between: this token was revoked by it.
            raise revoked()

    async def delete_current_user(self, *, body: AccountDeletionRequest) -> None:
        account = await self._account()
        await self._confirm_password(account, body.password)
        async with self.database.write() as connection:
            await user_repository.delete_user(connection, user_id=account.id)

    async def _account(self) -> Account:
        async with self.database.read() as connection:
            return await user_repository.get_caller_account(connection, self.caller)

    async def _confirm_password(self, account: Account, password: str) -> None:
        """Guessing a password here, with a stolen access token, costs the same attempts as
        guessing it at login."""
        if account.password_hash is None or account.email_key is None:
            raise WrongPassword(
                "This account signs in through an external identity provider and has no password here."
            )
        await self.rate_limits.enforce(
            per_address(LOGIN_ADDRESS, self.address), per_account(LOGIN_ACCOUNT, account.email_key)
        )
        if not await verify_password_async(password, account.password_hash):
            raise WrongPassword()
