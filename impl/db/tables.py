"""Table models. They are separate from the generated API models; handlers map between them."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlmodel import Field, SQLModel
from sqlmodel.sql.sqltypes import UTCDateTime

from impl.db.timestamps import utc_now

# Named constraints, so that migrations can refer to them on every database.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def _owner_fk(table: str) -> Column[uuid.UUID]:
    return Column(Uuid, ForeignKey(f"{table}.id", ondelete="CASCADE"), nullable=False)


# Sort keys compare byte-wise ("C" collation) on PostgreSQL as they do on SQLite, so that
# sorting, keyset paging and min() agree on both databases whatever the database's locale.
SORT_KEY_TEXT = Text().with_variant(Text(collation="C"), "postgresql")
TAG_NAME = String(50).with_variant(String(50, collation="C"), "postgresql")

# Every write to a task increments it, in the same conditional UPDATE that checks it
# (`WHERE id = ? AND version = ?`): it is the task's ETag, and lost updates are impossible.
_task_version = Column("version", Integer, nullable=False, server_default="1")


class UserRow(SQLModel, table=True):
    """A local account (email and password), or one provisioned from an external identity
    provider's token (issuer and subject, no email or password here)."""

    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("external_issuer", "external_subject"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    email: str | None = Field(default=None, max_length=254)
    # casefold()ed email: uniqueness and lookups are case-insensitive.
    email_key: str | None = Field(default=None, max_length=254, unique=True)
    password_hash: str | None = Field(default=None, max_length=255)
    external_issuer: str | None = Field(default=None, max_length=255)
    external_subject: str | None = Field(default=None, max_length=255)
    # Bumped when every outstanding access token must stop working (password change).
    token_version: int = Field(default=0)
    created_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)


class TaskRow(SQLModel, table=True):
    __tablename__ = "tasks"
    # A list query is `WHERE owner_id = ? [AND (key, id) > (?, ?)] ORDER BY key, id` for one
    # sort key: one index per sort serves every page, first or thousandth, in either direction.
    __table_args__ = (
        Index("ix_tasks_owner_id_created_at_id", "owner_id", "created_at", "id"),
        Index("ix_tasks_owner_id_updated_at_id", "owner_id", "updated_at", "id"),
        Index("ix_tasks_owner_id_due_at_id", "owner_id", "due_at", "id"),
        Index("ix_tasks_owner_id_priority_id", "owner_id", "priority", "id"),
        Index("ix_tasks_owner_id_title_key_id", "owner_id", "title_key", "id"),
        # Manual order (sort=position), a list's tasks, a task's subtasks (and its counts).
        Index("ix_tasks_owner_id_rank_id", "owner_id", "rank", "id"),
        Index("ix_tasks_owner_id_list_id_rank_id", "owner_id", "list_id", "rank", "id"),
        Index("ix_tasks_owner_id_list_id_created_at_id", "owner_id", "list_id", "created_at", "id"),
        Index("ix_tasks_owner_id_parent_id_rank_id", "owner_id", "parent_id", "rank", "id"),
        # The inbox (list_id IS NULL): PostgreSQL does not walk (owner_id, list_id, key) in key
        # order for an IS NULL, so the inbox's pages have partial indexes of their own.
        Index(
            "ix_tasks_inbox_owner_id_rank_id",
            "owner_id",
            "rank",
            "id",
            postgresql_where=text("list_id IS NULL"),
            sqlite_where=text("list_id IS NULL"),
        ),
        Index(
            "ix_tasks_inbox_owner_id_created_at_id",
            "owner_id",
            "created_at",
            "id",
            postgresql_where=text("list_id IS NULL"),
            sqlite_where=text("list_id IS NULL"),
        ),
        # Only tombstones, for the purge: a list query (deleted_at IS NULL) cannot use it.
        Index(
            "ix_tasks_deleted_at",
            "deleted_at",
            postgresql_where=text("deleted_at IS NOT NULL"),
            sqlite_where=text("deleted_at IS NOT NULL"),
        ),
    )
    __mapper_args__: dict[str, Any] = {"version_id_col": _task_version}

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    owner_id: uuid.UUID = Field(sa_column=_owner_fk("users"))
    title: str = Field(max_length=255)
    description: str | None = Field(default=None, sa_type=Text)
    completed: bool = Field(default=False)
    completed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # 0 none, 1 low, 2 medium, 3 high: sorts by importance.
    priority: int = Field(default=0, sa_type=SmallInteger, sa_column_kwargs={"server_default": "0"})
    due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    remind_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    recurrence: str | None = Field(default=None, max_length=500)
    next_occurrence_id: uuid.UUID | None = Field(default=None)
    # title.casefold(): the `title` sort key.
    title_key: str = Field(sa_type=SORT_KEY_TEXT)
    # casefold()ed title and description, for case-insensitive substring search.
    search_key: str = Field(sa_type=Text)
    version: int = Field(default=1, sa_column=_task_version)
    created_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
    # Set by a delete: the row stays as a tombstone for delta sync until it is purged.
    deleted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # No foreign keys: a tombstone may outlive its list or parent until both are purged; the
    # repositories check that a live task's list and parent are the owner's live ones.
    list_id: uuid.UUID | None = Field(default=None)
    parent_id: uuid.UUID | None = Field(default=None)
    # Its place among its siblings (same list and parent): impl/db/ranks.py.
    rank: str = Field(sa_type=SORT_KEY_TEXT)


class ListRow(SQLModel, table=True):
    """A user's list of tasks. The inbox is not a row: it is the tasks with no list."""

    __tablename__ = "lists"
    __table_args__ = (
        # Names are unique per owner case-insensitively; a tombstone's name_key is NULL.
        UniqueConstraint("owner_id", "name_key"),
        Index("ix_lists_owner_id_rank_id", "owner_id", "rank", "id"),
        Index(
            "ix_lists_deleted_at",
            "deleted_at",
            postgresql_where=text("deleted_at IS NOT NULL"),
            sqlite_where=text("deleted_at IS NOT NULL"),
        ),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    owner_id: uuid.UUID = Field(sa_column=_owner_fk("users"))
    name: str = Field(max_length=100)
    name_key: str | None = Field(default=None, sa_type=SORT_KEY_TEXT)
    color: str | None = Field(default=None, max_length=7)
    rank: str = Field(sa_type=SORT_KEY_TEXT)
    version: int = Field(default=1, sa_column_kwargs={"server_default": "1"})
    created_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
    deleted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class TaskTagRow(SQLModel, table=True):
    __tablename__ = "task_tags"
    # Tag filters and the tag list look tags up by owner and key.
    __table_args__ = (Index("ix_task_tags_owner_id_name_key", "owner_id", "name_key"),)

    task_id: uuid.UUID = Field(
        sa_column=Column(Uuid, ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True)
    )
    # name.casefold(): the primary key makes a tag case-insensitively unique per task.
    name_key: str = Field(sa_column=Column(SORT_KEY_TEXT, primary_key=True))
    owner_id: uuid.UUID = Field(sa_column=_owner_fk("users"))
    name: str = Field(sa_type=TAG_NAME)


class IdempotencyKeyRow(SQLModel, table=True):
    __tablename__ = "idempotency_keys"
    # The unique key is what makes N concurrent requests with one key create one task: the
    # first INSERT wins, the others wait for it and then replay its stored response.
    __table_args__ = (
        UniqueConstraint("user_id", "key"),
        Index("ix_idempotency_keys_created_at", "created_at"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    user_id: uuid.UUID = Field(sa_column=_owner_fk("users"))
    key: str = Field(max_length=255)
    # SHA-256 of the method, path and body: the same key with another request is refused.
    fingerprint: str = Field(max_length=64)
    response_status: int | None = Field(default=None)
    response_body: str | None = Field(default=None, sa_type=Text)
    # JSON object of the headers to replay (Location, ETag).
    response_headers: str | None = Field(default=None, sa_type=Text)
    created_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)


class LoginSessionRow(SQLModel, table=True):
    """One login: its refresh tokens share the id (their family_id) and its access tokens carry
    it (`sid`). Logging out revokes it, and with it every token of that login."""

    __tablename__ = "login_sessions"
    __table_args__ = (Index("ix_login_sessions_user_id", "user_id"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    user_id: uuid.UUID = Field(sa_column=_owner_fk("users"))
    created_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


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


class EventCounterRow(SQLModel, table=True):
    """Each user's change numbers. A write bumps `last_seq` in its own transaction, so the row
    lock orders one user's change-log entries by commit: a stream that has read up to N never
    misses an N-1 committed later. `purged_through`: entries up to it were purged."""

    __tablename__ = "event_counters"

    owner_id: uuid.UUID = Field(
        sa_column=Column(Uuid, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    )
    last_seq: int = Field(sa_type=BigInteger)
    purged_through: int = Field(default=0, sa_type=BigInteger, sa_column_kwargs={"server_default": "0"})


class EventRow(SQLModel, table=True):
    """The change log: one row per change to a user's data (and per reminder fired), written in
    the transaction of the change; streams replay it after Last-Event-ID."""

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_created_at", "created_at"),)

    owner_id: uuid.UUID = Field(
        sa_column=Column(Uuid, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    )
    seq: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    kind: str = Field(max_length=32)
    # The event's data: the JSON object the stream sends.
    data: str = Field(sa_type=Text)
    created_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)


class ReminderRow(SQLModel, table=True):
    """A task's pending reminder (open, live, remind_at still ahead when it was written), and
    once fired, when. A write to the task re-arms or cancels it in the same transaction."""

    __tablename__ = "reminders"
    __table_args__ = (
        Index("ix_reminders_owner_id_remind_at_task_id", "owner_id", "remind_at", "task_id"),
        Index(
            "ix_reminders_remind_at_pending",
            "remind_at",
            postgresql_where=text("fired_at IS NULL"),
            sqlite_where=text("fired_at IS NULL"),
        ),
    )

    task_id: uuid.UUID = Field(
        sa_column=Column(Uuid, ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True)
    )
    owner_id: uuid.UUID = Field(sa_column=_owner_fk("users"))
    remind_at: datetime = Field(sa_type=UTCDateTime)
    fired_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class EventTicketRow(SQLModel, table=True):
    """A single-use ticket for opening the event stream without an Authorization header,
    stored as its SHA-256; it carries the login it was issued to."""

    __tablename__ = "event_tickets"
    __table_args__ = (Index("ix_event_tickets_expires_at", "expires_at"),)

    ticket_hash: str = Field(primary_key=True, max_length=64)
    user_id: uuid.UUID = Field(sa_column=_owner_fk("users"))
    session_id: uuid.UUID | None = Field(default=None)
    token_version: int | None = Field(default=None)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
