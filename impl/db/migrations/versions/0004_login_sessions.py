"""Login sessions (logout revokes the access tokens of that login, not only its refresh
tokens), and a tombstone index that no list query can pick by mistake.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "login_sessions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_login_sessions_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_sessions")),
    )
    op.create_index("ix_login_sessions_user_id", "login_sessions", ["user_id"])
    # Every login so far becomes a session: alive while it can still refresh.
    op.execute(
        """
        INSERT INTO login_sessions (id, user_id, created_at, revoked_at)
        SELECT family_id, user_id, MIN(created_at),
               CASE WHEN SUM(CASE WHEN used_at IS NULL AND revoked_at IS NULL THEN 1 ELSE 0 END) > 0
                    THEN NULL ELSE MAX(COALESCE(revoked_at, used_at)) END
        FROM refresh_tokens GROUP BY family_id, user_id
        """
    )
    # Purging tombstones looks them up by deleted_at; live tasks (deleted_at IS NULL) are not
    # in this index, so a planner without statistics cannot choose it for a task list.
    op.drop_index("ix_tasks_deleted_at", table_name="tasks")
    op.create_index(
        "ix_tasks_deleted_at",
        "tasks",
        ["deleted_at"],
        postgresql_where=sa.text("deleted_at IS NOT NULL"),
        sqlite_where=sa.text("deleted_at IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_tasks_deleted_at", table_name="tasks")
    op.create_index("ix_tasks_deleted_at", "tasks", ["deleted_at"])
    op.drop_index("ix_login_sessions_user_id", table_name="login_sessions")
    op.drop_table("login_sessions")
