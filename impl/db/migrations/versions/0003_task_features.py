"""Task features: priority, due and reminder times, recurrence, tags, versions (ETags),
tombstones for delta sync, sort keys and their indexes, idempotency keys.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# Byte-wise ("C") comparison on PostgreSQL, as on SQLite: see impl/db/tables.py.
SORT_KEY_TEXT = sa.Text().with_variant(sa.Text(collation="C"), "postgresql")
TAG_NAME = sa.String(50).with_variant(sa.String(50, collation="C"), "postgresql")
TASK_INDEXES = {
    "ix_tasks_owner_id_updated_at_id": ["owner_id", "updated_at", "id"],
    "ix_tasks_owner_id_due_at_id": ["owner_id", "due_at", "id"],
    "ix_tasks_owner_id_priority_id": ["owner_id", "priority", "id"],
    "ix_tasks_owner_id_title_key_id": ["owner_id", "title_key", "id"],
    "ix_tasks_deleted_at": ["deleted_at"],
}


def timestamp(name: str) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=True)


def search_key(title: str, description: str | None) -> str:
    # Must match impl/tasks/fields.py: casefold()ed title and description.
    return title.casefold() + "\x1f" + (description or "").casefold()


def upgrade() -> None:
    with op.batch_alter_table("tasks") as batch:
        batch.add_column(sa.Column("priority", sa.SmallInteger(), nullable=False, server_default="0"))
        batch.add_column(timestamp("due_at"))
        batch.add_column(timestamp("remind_at"))
        batch.add_column(sa.Column("recurrence", sa.String(length=500), nullable=True))
        batch.add_column(sa.Column("next_occurrence_id", sa.Uuid(), nullable=True))
        batch.add_column(sa.Column("title_key", SORT_KEY_TEXT, nullable=True))
        batch.add_column(sa.Column("search_key", sa.Text(), nullable=True))
        batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
        batch.add_column(timestamp("deleted_at"))

    # Existing tasks get their keys computed the way the application computes them.
    tasks = sa.table(
        "tasks",
        sa.column("id", sa.Uuid()),
        sa.column("title", sa.String()),
        sa.column("description", sa.Text()),
        sa.column("title_key", sa.Text()),
        sa.column("search_key", sa.Text()),
    )
    connection = op.get_bind()
    rows = connection.execute(sa.select(tasks.c.id, tasks.c.title, tasks.c.description)).all()
    for task_id, title, description in rows:
        connection.execute(
            tasks.update()
            .where(tasks.c.id == task_id)
            .values(title_key=title.casefold(), search_key=search_key(title, description))
        )

    with op.batch_alter_table("tasks") as batch:
        batch.alter_column("title_key", existing_type=SORT_KEY_TEXT, nullable=False)
        batch.alter_column("search_key", existing_type=sa.Text(), nullable=False)
        for name, columns in TASK_INDEXES.items():
            batch.create_index(name, columns)

    op.create_table(
        "task_tags",
        sa.Column("task_id", sa.Uuid(), nullable=False),
        sa.Column("name_key", SORT_KEY_TEXT, nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("name", TAG_NAME, nullable=False),
        sa.ForeignKeyConstraint(
            ["task_id"], ["tasks.id"], name=op.f("fk_task_tags_task_id_tasks"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_task_tags_owner_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("task_id", "name_key", name=op.f("pk_task_tags")),
    )
    op.create_index("ix_task_tags_owner_id_name_key", "task_tags", ["owner_id", "name_key"])

    op.create_table(
        "idempotency_keys",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("response_status", sa.Integer(), nullable=True),
        sa.Column("response_body", sa.Text(), nullable=True),
        sa.Column("response_headers", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_idempotency_keys_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idempotency_keys")),
        sa.UniqueConstraint("user_id", "key", name=op.f("uq_idempotency_keys_user_id_key")),
    )
    op.create_index("ix_idempotency_keys_created_at", "idempotency_keys", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_idempotency_keys_created_at", table_name="idempotency_keys")
    op.drop_table("idempotency_keys")
    op.drop_index("ix_task_tags_owner_id_name_key", table_name="task_tags")
    op.drop_table("task_tags")
    # Tombstones are not tasks any more: without the column they would come back to life.
    op.execute("DELETE FROM tasks WHERE deleted_at IS NOT NULL")
    with op.batch_alter_table("tasks") as batch:
        for name in TASK_INDEXES:
            batch.drop_index(name)
        for column in (
            "deleted_at",
            "version",
            "search_key",
            "title_key",
            "next_occurrence_id",
            "recurrence",
            "remind_at",
            "due_at",
            "priority",
        ):
            batch.drop_column(column)
