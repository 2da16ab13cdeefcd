"""Lists, subtasks and manual order: the `lists` table, and tasks' list_id, parent_id and
rank (their place among their siblings), with owner-first indexes for the new filters and
the `position` sort. Existing tasks stay where they were: in the inbox, top-level, in the
order they were created.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

SORT_KEY_TEXT = sa.Text().with_variant(sa.Text(collation="C"), "postgresql")
TASK_INDEXES = {
    "ix_tasks_owner_id_rank_id": ["owner_id", "rank", "id"],
    "ix_tasks_owner_id_list_id_rank_id": ["owner_id", "list_id", "rank", "id"],
    "ix_tasks_owner_id_list_id_created_at_id": ["owner_id", "list_id", "created_at", "id"],
    "ix_tasks_owner_id_parent_id_rank_id": ["owner_id", "parent_id", "rank", "id"],
}
# The inbox's pages (list_id IS NULL): PostgreSQL walks no (owner_id, list_id, ...) index in
# key order for an IS NULL, so they get partial indexes.
INBOX_INDEXES = {
    "ix_tasks_inbox_owner_id_rank_id": ["owner_id", "rank", "id"],
    "ix_tasks_inbox_owner_id_created_at_id": ["owner_id", "created_at", "id"],
}
# Must match impl/db/ranks.py's clock_rank.
DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def clock_rank(moment: datetime, task_id: object) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    number = max(0, (moment - EPOCH) // timedelta(microseconds=1)) % 62**9
    digits = []
    for _ in range(9):
        number, digit = divmod(number, 62)
        digits.append(DIGITS[digit])
    salt = task_id.int if hasattr(task_id, "int") else int(str(task_id).replace("-", ""), 16)
    return "".join(reversed(digits)) + DIGITS[1 + salt % 61]


def upgrade() -> None:
    op.create_table(
        "lists",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("name_key", SORT_KEY_TEXT, nullable=True),
        sa.Column("color", sa.String(length=7), nullable=True),
        sa.Column("rank", SORT_KEY_TEXT, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False, server_default="1"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_lists_owner_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lists")),
        sa.UniqueConstraint("owner_id", "name_key", name=op.f("uq_lists_owner_id_name_key")),
    )
    op.create_index("ix_lists_owner_id_rank_id", "lists", ["owner_id", "rank", "id"])
    op.create_index(
        "ix_lists_deleted_at",
        "lists",
        ["deleted_at"],
        postgresql_where=sa.text("deleted_at IS NOT NULL"),
        sqlite_where=sa.text("deleted_at IS NOT NULL"),
    )

    with op.batch_alter_table("tasks") as batch:
        batch.add_column(sa.Column("list_id", sa.Uuid(), nullable=True))
        batch.add_column(sa.Column("parent_id", sa.Uuid(), nullable=True))
        batch.add_column(sa.Column("rank", SORT_KEY_TEXT, nullable=True))

    # Existing tasks keep their creation order among their (inbox, top-level) siblings.
    tasks = sa.table(
        "tasks",
        sa.column("id", sa.Uuid()),
        sa.column("created_at", sa.DateTime()),
        sa.column("rank", sa.Text()),
    )
    connection = op.get_bind()
    for task_id, created_at in connection.execute(sa.select(tasks.c.id, tasks.c.created_at)).all():
        connection.execute(
            tasks.update().where(tasks.c.id == task_id).values(rank=clock_rank(created_at, task_id))
        )

    with op.batch_alter_table("tasks") as batch:
        batch.alter_column("rank", existing_type=SORT_KEY_TEXT, nullable=False)
        for name, columns in TASK_INDEXES.items():
            batch.create_index(name, columns)
    for name, columns in INBOX_INDEXES.items():
        op.create_index(
            name,
            "tasks",
            columns,
            postgresql_where=sa.text("list_id IS NULL"),
            sqlite_where=sa.text("list_id IS NULL"),
        )


def downgrade() -> None:
    # Without lists and parents every task is a top-level inbox task again.
    for name in INBOX_INDEXES:
        op.drop_index(name, table_name="tasks")
    with op.batch_alter_table("tasks") as batch:
        for name in TASK_INDEXES:
            batch.drop_index(name)
        for column in ("rank", "parent_id", "list_id"):
            batch.drop_column(column)
    op.drop_index("ix_lists_deleted_at", table_name="lists")
    op.drop_index("ix_lists_owner_id_rank_id", table_name="lists")
    op.drop_table("lists")
