"""reminder delivery: users.reminders_blocked; index due reminders by (platform, due time);
index reminder_log by (status, created)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 15:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column("reminders_blocked", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    op.drop_index(op.f("ix_users_next_reminder_utc"), table_name="users")
    op.create_index(
        op.f("ix_users_platform_next_reminder_utc"), "users", ["platform", "next_reminder_utc"]
    )
    op.create_index(op.f("ix_reminder_log_status_created"), "reminder_log", ["status", "created"])


def downgrade() -> None:
    op.drop_index(op.f("ix_reminder_log_status_created"), table_name="reminder_log")
    op.drop_index(op.f("ix_users_platform_next_reminder_utc"), table_name="users")
    op.create_index(op.f("ix_users_next_reminder_utc"), "users", ["next_reminder_utc"])
    with op.batch_alter_table("users") as batch:
        batch.drop_column("reminders_blocked")
