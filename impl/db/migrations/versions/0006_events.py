"""The change log behind the event stream (events, with per-user change numbers), reminder
state, and single-use stream tickets.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "event_counters",
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.Column("purged_through", sa.BigInteger(), nullable=False, server_default="0"),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_event_counters_owner_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("owner_id", name=op.f("pk_event_counters")),
    )
    op.create_table(
        "events",
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_events_owner_id_users"), ondelete="CASCADE"
        ),
        # Owner first: a stream reads `WHERE owner_id = ? AND seq > ? ORDER BY seq`.
        sa.PrimaryKeyConstraint("owner_id", "seq", name=op.f("pk_events")),
    )
    op.create_index("ix_events_created_at", "events", ["created_at"])
    op.create_table(
        "reminders",
        sa.Column("task_id", sa.Uuid(), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("remind_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("fired_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["task_id"], ["tasks.id"], name=op.f("fk_reminders_task_id_tasks"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_reminders_owner_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("task_id", name=op.f("pk_reminders")),
    )
    # The pending list: `WHERE owner_id = ? ORDER BY remind_at, task_id LIMIT ?`, from the index.
    op.create_index(
        "ix_reminders_owner_id_remind_at_task_id", "reminders", ["owner_id", "remind_at", "task_id"]
    )
    op.create_index(
        "ix_reminders_remind_at_pending",
        "reminders",
        ["remind_at"],
        postgresql_where=sa.text("fired_at IS NULL"),
        sqlite_where=sa.text("fired_at IS NULL"),
    )
    op.create_table(
        "event_tickets",
        sa.Column("ticket_hash", sa.String(64), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("session_id", sa.Uuid(), nullable=True),
        sa.Column("token_version", sa.Integer(), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_event_tickets_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("ticket_hash", name=op.f("pk_event_tickets")),
    )
    op.create_index("ix_event_tickets_expires_at", "event_tickets", ["expires_at"])
    _arm_existing_reminders()


def _arm_existing_reminders() -> None:
    """Open tasks with a reminder ahead get one armed; those already past are recorded as
    fired (nothing used to fire them: they are not sent now, hours or months late)."""
    tasks = sa.table(
        "tasks",
        sa.column("id", sa.Uuid()),
        sa.column("owner_id", sa.Uuid()),
        sa.column("remind_at", sa.DateTime(timezone=True)),
        sa.column("completed", sa.Boolean()),
        sa.column("deleted_at", sa.DateTime(timezone=True)),
    )
    reminders = sa.table(
        "reminders",
        sa.column("task_id", sa.Uuid()),
        sa.column("owner_id", sa.Uuid()),
        sa.column("remind_at", sa.DateTime(timezone=True)),
        sa.column("fired_at", sa.DateTime(timezone=True)),
    )
    now = datetime.now(UTC)
    rows = op.get_bind().execute(
        sa.select(tasks.c.id, tasks.c.owner_id, tasks.c.remind_at).where(
            tasks.c.remind_at.is_not(None), tasks.c.completed.is_(False), tasks.c.deleted_at.is_(None)
        )
    )
    armed = []
    for task_id, owner_id, remind_at in rows:
        moment = remind_at if remind_at.tzinfo is not None else remind_at.replace(tzinfo=UTC)
        armed.append(
            {
                "task_id": task_id,
                "owner_id": owner_id,
                "remind_at": moment,
                "fired_at": None if moment > now else now,
            }
        )
    if armed:
        op.bulk_insert(reminders, armed)


def downgrade() -> None:
    op.drop_index("ix_event_tickets_expires_at", table_name="event_tickets")
    op.drop_table("event_tickets")
    op.drop_index("ix_reminders_remind_at_pending", table_name="reminders")
    op.drop_index("ix_reminders_owner_id_remind_at_task_id", table_name="reminders")
    op.drop_table("reminders")
    op.drop_index("ix_events_created_at", table_name="events")
    op.drop_table("events")
    op.drop_table("event_counters")
