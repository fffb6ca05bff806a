"""The schema, as SQLAlchemy 2.0 typed models; migrations are generated from and checked against it.

Every constraint and index gets a name from ``NAMING_CONVENTION``: Alembic's batch mode, which
SQLite needs for most ALTERs, can only drop or change a constraint it can name, and the names are
then the same on SQLite and PostgreSQL.

Every per-user table has a ``user_id`` column referencing ``users`` with ``ON DELETE CASCADE``;
``SqlStorage.forget`` relies on that column name to find all of a user's rows.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    Time,
    TypeDecorator,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from bot.plans.model import Plan as PlanJson
from bot.plans.model import Status, StoredRequest, Units, Weekday

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in and out, stored naive: SQLite has no time zones, and without this
    the same column would come back naive from SQLite but aware from PostgreSQL."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: store aware UTC datetimes only")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class NulSafeString(TypeDecorator[str]):
    """What a runner or a platform typed, kept exactly, NUL characters included: PostgreSQL
    refuses NUL in text, so there NUL is stored as U+FFFF "0" and U+FFFF itself doubled (a
    noncharacter no real text contains, so stored text reads as typed). SQLite stores as is."""

    impl = String
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None or dialect.name != "postgresql":
            return value
        return value.replace(_ESCAPE, _ESCAPE * 2).replace("\x00", _ESCAPE + "0")

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None or dialect.name != "postgresql" or _ESCAPE not in value:
            return value
        return _ESCAPED.sub(lambda m: "\x00" if m[1] == "0" else _ESCAPE, value)


class NulSafeText(NulSafeString):
    impl = Text
    cache_ok = True


_ESCAPE = "\uffff"
_ESCAPED = re.compile(f"{_ESCAPE}([0{_ESCAPE}])")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _user_fk() -> ForeignKey:
    return ForeignKey("users.id", ondelete="CASCADE")


class User(Base):
    __tablename__ = "users"
    __table_args__ = (
        UniqueConstraint("platform", "platform_user_id"),
        Index(None, "platform", "next_reminder_utc"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(32))
    platform_user_id: Mapped[str] = mapped_column(NulSafeString(255))
    display_name: Mapped[str] = mapped_column(NulSafeString(255))
    timezone: Mapped[str | None] = mapped_column(String(64))
    remind_at: Mapped[time | None] = mapped_column(Time)
    reminders_on: Mapped[bool] = mapped_column(Boolean, default=False)
    # A reminder found the user unreachable: reminders were switched off, and the coach says so
    # on their next message.
    reminders_blocked: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # When the next reminder is due, so a scheduler (or several workers) can claim due rows with
    # an indexed range query instead of computing every user's local time on every tick. The
    # index leads with platform because the query filters on it: with next_reminder_utc alone,
    # SQLite answers "platform = ?" from the unique index instead and reads every user.
    next_reminder_utc: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Until when a "/forget confirm" deletes everything: set by /forget, in the database rather
    # than in a process, so the confirmation may come from another process (two `runcoach ask`
    # calls) or after a restart.
    forget_expires: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created: Mapped[datetime] = mapped_column(UTCDateTime)


class Profile(Base):
    """One row per user: the user id is the key, which makes "at most one profile" structural."""

    __tablename__ = "profiles"

    user_id: Mapped[int] = mapped_column(_user_fk(), primary_key=True)
    weekly_km: Mapped[float | None] = mapped_column(Float)
    days_per_week: Mapped[int | None] = mapped_column(Integer)
    long_run_day: Mapped[Weekday | None] = mapped_column(String(16))
    recent_race_km: Mapped[float | None] = mapped_column(Float)
    recent_race_s: Mapped[float | None] = mapped_column(Float)
    goal: Mapped[str | None] = mapped_column(NulSafeText)
    units: Mapped[Units | None] = mapped_column(String(2))
    updated: Mapped[datetime] = mapped_column(UTCDateTime)


class Plan(Base):
    __tablename__ = "plans"
    __table_args__ = (Index(None, "user_id", "active"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(_user_fk())
    # JSON as the plans engine shapes it: only SqlStorage.save_plan* write these columns, from
    # typed records, so a row read back is the same StoredRequest and Plan.
    request: Mapped[StoredRequest] = mapped_column(JSON)
    plan: Mapped[PlanJson] = mapped_column(JSON)
    active: Mapped[bool] = mapped_column(Boolean)
    created: Mapped[datetime] = mapped_column(UTCDateTime)
    # An adapted plan is a new row: version 1 is what /plan built, each adaptation adds one,
    # with the one-line reason /plan diff and /why show.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    reason: Mapped[str | None] = mapped_column(Text)


class CheckIn(Base):
    """What the runner said about one day's workout; a later answer for the day replaces it."""

    __tablename__ = "checkins"
    __table_args__ = (UniqueConstraint("user_id", "day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(_user_fk())
    day: Mapped[date] = mapped_column(Date)
    status: Mapped[Status] = mapped_column(String(16))
    distance_km: Mapped[float | None] = mapped_column(Float)
    effort: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(NulSafeText)
    created: Mapped[datetime] = mapped_column(UTCDateTime)


class ConversationTurn(Base):
    __tablename__ = "conversation_turns"

    # Turns are ordered by id, not by time: two turns can share a timestamp, ids never do.
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(_user_fk(), index=True)
    role: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(NulSafeText)
    created: Mapped[datetime] = mapped_column(UTCDateTime)


class AnswerSources(Base):
    """What a runner's last answer from the notes came from, for "sources?": in the database,
    not a process's memory, so the worker that gets the question need not be the one that
    answered. One row per user, replaced by each answer."""

    __tablename__ = "answer_sources"

    user_id: Mapped[int] = mapped_column(_user_fk(), primary_key=True)
    sources: Mapped[list[str]] = mapped_column(JSON)
    updated: Mapped[datetime] = mapped_column(UTCDateTime)


class ReminderLog(Base):
    """One row per reminder day; the unique key is what makes claiming a reminder once-only,
    across processes and on PostgreSQL across machines."""

    __tablename__ = "reminder_log"
    # (status, created) finds claims whose process died without reading a day's finished rows.
    __table_args__ = (UniqueConstraint("user_id", "local_date"), Index(None, "status", "created"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(_user_fk())
    local_date: Mapped[date] = mapped_column(Date)
    # One of the statuses in bot.core.reminders: claimed, retried, sent, skipped, failed, ...
    status: Mapped[str] = mapped_column(String(16))
    created: Mapped[datetime] = mapped_column(UTCDateTime)


metadata = Base.metadata
