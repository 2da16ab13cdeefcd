from __future__ import annotations

import uuid

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from ..tables import UserRow


def email_key(email: str) -> str:
    return email.strip().casefold()


def get_user(session: Session, *, user_id: uuid.UUID) -> UserRow | None:
    return session.get(UserRow, user_id)


def get_user_by_email(session: Session, *, email: str) -> UserRow | None:
    return session.exec(select(UserRow).where(UserRow.email_key == email_key(email))).first()


def create_user(session: Session, *, email: str, password_hash: str) -> UserRow | None:
    """Insert a user; None if the email is taken (checked by the unique index, race-free)."""
    user = UserRow(email=email, email_key=email_key(email), password_hash=password_hash)
    try:
        with session.begin_nested():
            session.add(user)
    except IntegrityError:
        return None
    return user
