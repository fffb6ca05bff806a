"""initial schema: users, profiles, plans, conversation turns, reminder log

Revision ID: 0001
Revises:
Create Date: 2026-11-24 18:27:22.104844
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _user_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["user_id"], ["users.id"], name=op.f(f"fk_{table}_user_id_users"), ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("platform_user_id", sa.String(length=255), nullable=False),
        sa.Column("display_name", sa.String(length=255), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=True),
        sa.Column("remind_at", sa.Time(), nullable=True),
        sa.Column("reminders_on", sa.Boolean(), nullable=False),
        sa.Column("next_reminder_utc", sa.DateTime(), nullable=True),
        sa.Column("created", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint(
            "platform", "platform_user_id", name=op.f("uq_users_platform_platform_user_id")
        ),
    )
    op.create_index(op.f("ix_users_next_reminder_utc"), "users", ["next_reminder_utc"])

    op.create_table(
        "profiles",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("weekly_km", sa.Float(), nullable=True),
        sa.Column("days_per_week", sa.Integer(), nullable=True),
        sa.Column("long_run_day", sa.String(length=16), nullable=True),
        sa.Column("recent_race_km", sa.Float(), nullable=True),
        sa.Column("recent_race_s", sa.Float(), nullable=True),
        sa.Column("goal", sa.Text(), nullable=True),
        sa.Column("updated", sa.DateTime(), nullable=False),
        _user_fk("profiles"),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_profiles")),
    )

    op.create_table(
        "plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("request", sa.JSON(), nullable=False),
        sa.Column("plan", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created", sa.DateTime(), nullable=False),
        _user_fk("plans"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plans")),
    )
    op.create_index(op.f("ix_plans_user_id_active"), "plans", ["user_id", "active"])

    op.create_table(
        "conversation_turns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created", sa.DateTime(), nullable=False),
        _user_fk("conversation_turns"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversation_turns")),
    )
    op.create_index(op.f("ix_conversation_turns_user_id"), "conversation_turns", ["user_id"])

    op.create_table(
        "reminder_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created", sa.DateTime(), nullable=False),
        _user_fk("reminder_log"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminder_log")),
        sa.UniqueConstraint(
            "user_id", "local_date", name=op.f("uq_reminder_log_user_id_local_date")
        ),
    )


def downgrade() -> None:
    op.drop_table("reminder_log")
    op.drop_index(op.f("ix_conversation_turns_user_id"), table_name="conversation_turns")
    op.drop_table("conversation_turns")
    op.drop_index(op.f("ix_plans_user_id_active"), table_name="plans")
    op.drop_table("plans")
    op.drop_table("profiles")
    op.drop_index(op.f("ix_users_next_reminder_utc"), table_name="users")
    op.drop_table("users")
