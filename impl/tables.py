"""Table models. They are separate from the generated API models; handlers map between them."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, Text, Uuid
from sqlmodel import Field, SQLModel

from .timestamps import UTCDateTime, utc_now

# Named constraints, so that migrations can refer to them on every database.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def _owner_fk(table: str) -> Column[uuid.UUID]:
    return Column(Uuid, ForeignKey(f"{table}.id", ondelete="CASCADE"), nullable=False)


class UserRow(SQLModel, table=True):
    __tablename__ = "users"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    email: str = Field(max_length=254)
    # casefold()ed email: uniqueness and lookups are case-insensitive.
    email_key: str = Field(max_length=254, unique=True)
    password_hash: str = Field(max_length=255)
    # Bumped when every outstanding access token must stop working (password change).
    token_version: int = Field(default=0)
    created_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)


class TaskRow(SQLModel, table=True):
    __tablename__ = "tasks"
    # Every list query is `WHERE owner_id = ? ORDER BY created_at DESC, id DESC`.
    __table_args__ = (Index("ix_tasks_owner_id_created_at_id", "owner_id", "created_at", "id"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    owner_id: uuid.UUID = Field(sa_column=_owner_fk("users"))
    title: str = Field(max_length=255)
    description: str | None = Field(default=None, sa_type=Text)
    completed: bool = Field(default=False)
    completed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)


class RefreshTokenRow(SQLModel, table=True):
    __tablename__ = "refresh_tokens"
    __table_args__ = (
        Index("ix_refresh_tokens_family_id", "family_id"),
        Index("ix_refresh_tokens_user_id", "user_id"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    user_id: uuid.UUID = Field(sa_column=_owner_fk("users"))
    # Every token descended from one login shares the family id.
    family_id: uuid.UUID
    # SHA-256 of the token: a database leak does not leak usable tokens.
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
