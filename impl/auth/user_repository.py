from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from impl.db.tables import UserRow


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


def get_or_create_external_user(session: Session, *, issuer: str, subject: str) -> UserRow:
    """The account of an external identity, provisioned by its first valid token."""
    query = select(UserRow).where(UserRow.external_issuer == issuer, UserRow.external_subject == subject)
    user = session.exec(query).first()
    if user is not None:
        return user
    user = UserRow(external_issuer=issuer, external_subject=subject)
    try:
        with session.begin_nested():
            session.add(user)
    except IntegrityError:
        return session.exec(query).one()  # a concurrent first request provisioned it
    return user


def set_password(session: Session, *, user: UserRow, password_hash: str, now: datetime) -> None:
    """Replace the password; bumping token_version revokes every access token issued before."""
    user.password_hash = password_hash
    user.token_version += 1
    user.updated_at = now
    session.add(user)
    session.flush()


def delete_user(session: Session, *, user_id: uuid.UUID) -> None:
    """Delete the user; the foreign keys cascade to their tasks and refresh tokens."""
    session.exec(delete(UserRow).where(col(UserRow.id) == user_id))
