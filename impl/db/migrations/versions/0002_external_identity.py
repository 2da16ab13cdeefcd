"""Accounts from an external identity provider: users keyed by (issuer, subject), which have no
email or password here.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _require_sqlite_foreign_keys_off() -> None:
    # Batch mode rebuilds `users` on SQLite: DROP TABLE of a referenced table with foreign
    # keys on would cascade-delete every task. impl/db/migrations/env.py turns them off first.
    bind = op.get_bind()
    if bind.dialect.name == "sqlite" and bind.exec_driver_sql("PRAGMA foreign_keys").scalar():
        raise RuntimeError("0002 must run with SQLite foreign keys off (see impl/db/migrations/env.py)")


def upgrade() -> None:
    _require_sqlite_foreign_keys_off()
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("external_issuer", sa.String(length=255), nullable=True))
        batch.add_column(sa.Column("external_subject", sa.String(length=255), nullable=True))
        batch.alter_column("email", existing_type=sa.String(length=254), nullable=True)
        batch.alter_column("email_key", existing_type=sa.String(length=254), nullable=True)
        batch.alter_column("password_hash", existing_type=sa.String(length=255), nullable=True)
        batch.create_unique_constraint(
            op.f("uq_users_external_issuer_external_subject"), ["external_issuer", "external_subject"]
        )


def downgrade() -> None:
    _require_sqlite_foreign_keys_off()
    # Externally provisioned accounts cannot exist without an email and password: they go,
    # with their tasks (the foreign keys cascade on PostgreSQL; deleted explicitly for SQLite).
    external = "SELECT id FROM users WHERE email_key IS NULL OR password_hash IS NULL"
    op.execute(f"DELETE FROM tasks WHERE owner_id IN ({external})")  # noqa: S608
    op.execute(f"DELETE FROM refresh_tokens WHERE user_id IN ({external})")  # noqa: S608
    op.execute("DELETE FROM users WHERE email_key IS NULL OR password_hash IS NULL")
    with op.batch_alter_table("users") as batch:
        batch.drop_constraint(op.f("uq_users_external_issuer_external_subject"), type_="unique")
        batch.alter_column("password_hash", existing_type=sa.String(length=255), nullable=False)
        batch.alter_column("email_key", existing_type=sa.String(length=254), nullable=False)
        batch.alter_column("email", existing_type=sa.String(length=254), nullable=False)
        batch.drop_column("external_subject")
        batch.drop_column("external_issuer")
