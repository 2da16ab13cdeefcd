"""A user account as the API shows it: the one mapping from a user row to the `User` model."""

from __future__ import annotations

from generated.models import User
from impl.db.tables import UserRow


def user_response(row: UserRow) -> User:
    return User(id=row.id, email=row.email, created_at=row.created_at)
