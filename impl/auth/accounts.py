"""A user account as the API shows it: the one mapping from an account to the `User` model."""

from __future__ import annotations

from generated.models import User
from impl.auth.user_repository import Account


def user_response(account: Account) -> User:
    return User(id=account.id, email=account.email, created_at=account.created_at)
