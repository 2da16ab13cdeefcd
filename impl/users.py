from __future__ import annotations

from generated.models import User
from generated.routers.users import UsersHandlers

from .dependencies import CurrentUser
from .tables import UserRow


def user_response(row: UserRow) -> User:
    return User(id=row.id, email=row.email, created_at=row.created_at)


class UsersImpl(UsersHandlers):
    def __init__(self, user: CurrentUser) -> None:
        self.user = user

    def get_current_user(self) -> User:
        return user_response(self.user)
