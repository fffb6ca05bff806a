"""``SqlStorage``: the ``Storage`` port on SQLAlchemy, and the only module that builds queries.

Each method is one transaction that either commits or leaves nothing behind, and hands back
frozen records built inside it, so no ORM object (lazy, mutable, tied to a session) ever
reaches the core.

Uniqueness races (two first messages from one new user, two workers claiming one reminder) are
settled by unique constraints inside a SAVEPOINT rather than by dialect-specific upserts, so the
same code is correct on SQLite, where ``BEGIN IMMEDIATE`` serialises writers anyway, and on
PostgreSQL, where it does not. For the same reason a read-then-write of one user's rows (replace
the active plan, cap the turns, bump the plan version) first locks that user's row
(``_lock_user``): under PostgreSQL's READ COMMITTED two such writes would otherwise both act on
what they read before the other committed, leaving two active plans.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import fields
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import CursorResult, Engine, Update, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.core import reminders
from bot.core.ports import (
    CheckInRecord,
    ClaimBatch,
    PlanRecord,
    ProfileRecord,
    ReminderClaim,
    Turn,
    UserRecord,
)
from bot.plans.model import Plan, StoredRequest
from bot.storage import db
from bot.storage.db import READ_ONLY
from bot.storage.tables import (
    AnswerSources,
    CheckIn,
    ConversationTurn,
    Profile,
    ReminderLog,
    User,
    metadata,
)
from bot.storage.tables import Plan as PlanRow

DEFAULT_TURNS_KEPT = 20
_PROFILE_FIELDS = tuple(field.name for field in fields(ProfileRecord))


def utc_now() -> datetime:
    return datetime.now(UTC)


class SqlStorage:
    """Per-user persistence on any SQLAlchemy database (SQLite file by default, or PostgreSQL)."""

    def __init__(
        self,
        bind: Engine | sessionmaker[Session],
        *,
        turns_kept: int = DEFAULT_TURNS_KEPT,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._sessions = bind if isinstance(bind, sessionmaker) else sessionmaker(bind)
        self._turns_kept = turns_kept
        self._clock = clock

    @contextmanager
    def _write(self) -> Iterator[Session]:
        with self._sessions.begin() as session:
            yield session

    @contextmanager
    def _read(self) -> Iterator[Session]:
        with self._sessions() as session:
            # Begins the transaction deferred (on SQLite), so a read never queues for the lock.
            session.connection(execution_options=READ_ONLY)
            yield session

    # ---- users ----------------------------------------------------------------------------

    def user(self, platform: str, platform_user_id: str, display_name: str) -> UserRecord:
        with self._write() as session:
            row = _find_user(session, platform, platform_user_id)
            if row is None:
                row = User(
                    platform=platform,
                    platform_user_id=platform_user_id,
                    display_name=display_name,
                    created=self._clock(),
                )
                if not _insert_unless_duplicate(session, row):
                    # A concurrent first contact inserted this identity and committed first.
                    row = _find_user(session, platform, platform_user_id)
                    if row is None:
                        raise LookupError(f"could not create user {platform}:{platform_user_id}")
            if row.display_name != display_name:
                row.display_name = display_name
            return _user_record(row)

    def find_user(self, platform: str, platform_user_id: str) -> UserRecord | None:
        with self._read() as session:
            row = _find_user(session, platform, platform_user_id)
            return None if row is None else _user_record(row)

    # ---- profile --------------------------------------------------------------------------

    def profile(self, user_id: int) -> ProfileRecord:
        with self._read() as session:
            row = session.get(Profile, user_id)
            if row is None:
                return ProfileRecord()
            return ProfileRecord(**{name: getattr(row, name) for name in _PROFILE_FIELDS})

    def save_profile(self, user_id: int, profile: ProfileRecord) -> None:
        with self._write() as session:
            _lock_user(session, user_id)
            row = session.get(Profile, user_id)
            if row is None:
                row = Profile(user_id=user_id)
                session.add(row)
            for name in _PROFILE_FIELDS:
                setattr(row, name, getattr(profile, name))
            row.updated = self._clock()

    # ---- plans ----------------------------------------------------------------------------

    def save_plan(self, user_id: int, request: StoredRequest, plan: Plan) -> PlanRecord:
        with self._write() as session:
            _lock_user(session, user_id)
            session.execute(
                update(PlanRow)
                .where(PlanRow.user_id == user_id, PlanRow.active)
                .values(active=False)
            )
            row = PlanRow(
                user_id=user_id, request=request, plan=plan, active=True, created=self._clock()
            )
            session.add(row)
            session.flush()
            return _plan_record(row)

    def active_plan(self, user_id: int) -> PlanRecord | None:
        with self._read() as session:
            return _active_plan(session, user_id)

    def find_user_and_plan(
        self, platform: str, platform_user_id: str
    ) -> tuple[UserRecord | None, PlanRecord | None]:
        with self._read() as session:
            row = _find_user(session, platform, platform_user_id)
            if row is None:
                return None, None
            return _user_record(row), _active_plan(session, row.id)

    def save_plan_version(
        self, user_id: int, request: StoredRequest, plan: Plan, reason: str
    ) -> PlanRecord:
        with self._write() as session:
            _lock_user(session, user_id)
            current = _active_row(session, user_id)
            version = 1 if current is None else current.version + 1
            session.execute(
                update(PlanRow)
                .where(PlanRow.user_id == user_id, PlanRow.active)
                .values(active=False)
            )
            row = PlanRow(
                user_id=user_id,
                request=request,
                plan=plan,
                active=True,
                created=self._clock(),
                version=version,
                reason=reason,
            )
            session.add(row)
            session.flush()
            return _plan_record(row)

    def previous_version(self, user_id: int) -> PlanRecord | None:
        with self._read() as session:
            rows = session.scalars(
                select(PlanRow)
                .where(PlanRow.user_id == user_id)
                .order_by(PlanRow.id.desc())
                .limit(2)
            ).all()
            if len(rows) < 2 or not rows[0].active or rows[0].version < 2:
                return None
            return _plan_record(rows[1])

    def stop_plan(self, user_id: int) -> None:
        with self._write() as session:
            session.execute(
                update(PlanRow)
                .where(PlanRow.user_id == user_id, PlanRow.active)
                .values(active=False)
            )

    def record_checkin(self, user_id: int, checkin: CheckInRecord) -> None:
        with self._write() as session:
            _lock_user(session, user_id)
            session.execute(
                delete(CheckIn).where(CheckIn.user_id == user_id, CheckIn.day == checkin.day)
            )
            session.add(
                CheckIn(
                    user_id=user_id,
                    day=checkin.day,
                    status=checkin.status,
                    distance_km=checkin.distance_km,
                    effort=checkin.effort,
                    note=checkin.note,
                    created=self._clock(),
                )
            )

    def checkins(self, user_id: int, since: date) -> list[CheckInRecord]:
        with self._read() as session:
            rows = session.scalars(
                select(CheckIn)
                .where(CheckIn.user_id == user_id, CheckIn.day >= since)
                .order_by(CheckIn.day)
            ).all()
            return [
                CheckInRecord(row.day, row.status, row.distance_km, row.effort, row.note)
                for row in rows
            ]

    def active_plans(self, user_ids: Collection[int]) -> dict[int, PlanRecord]:
        with self._read() as session:
            rows = session.scalars(
                select(PlanRow)
                .where(PlanRow.user_id.in_(list(user_ids)), PlanRow.active)
                .order_by(PlanRow.id)
            ).all()
            # Ordered by id, so a user's newest active plan wins, as in active_plan.
            return {row.user_id: _plan_record(row) for row in rows}

    # ---- reminders ------------------------------------------------------------------------

    def set_reminder(self, user_id: int, at: time | None, timezone: str | None) -> None:
        """Also sets ``next_reminder_utc``, the indexed column a scheduler polls for due rows."""
        with self._write() as session:
            row = session.get(User, user_id)
            if row is None:
                raise LookupError(f"no user with id {user_id}")
            row.remind_at = at
            row.timezone = timezone
            row.reminders_on = at is not None
            row.next_reminder_utc = (
                None if at is None else reminders.next_after(at, timezone, self._clock())
            )

    def claim_reminder(self, user_id: int, local_date: date) -> bool:
        """A successful claim also moves the user's ``next_reminder_utc`` past ``local_date``,
        so the claimed reminder stops being due in the same transaction that claims it."""
        with self._write() as session:
            _lock_user(session, user_id)
            claim = ReminderLog(
                user_id=user_id,
                local_date=local_date,
                status=reminders.CLAIMED,
                created=self._clock(),
            )
            if not _insert_unless_duplicate(session, claim):
                claimed = session.scalar(
                    select(ReminderLog.id).where(
                        ReminderLog.user_id == user_id, ReminderLog.local_date == local_date
                    )
                )
                if claimed is None:  # not a duplicate: a missing user, say; don't hide it
                    raise LookupError(f"cannot claim a reminder for user id {user_id}")
                return False
            user = session.get(User, user_id)
            if user is not None and user.reminders_on and user.remind_at is not None:
                end_of_day = datetime.combine(
                    local_date, time.max, tzinfo=ZoneInfo(user.timezone or "UTC")
                )
                following = reminders.next_after(user.remind_at, user.timezone, end_of_day)
                # Never backwards: a late claim for an older day must not make today due again.
                if user.next_reminder_utc is None or following > user.next_reminder_utc:
                    user.next_reminder_utc = following
            return True

    def claim_due(
        self, now: datetime, grace: timedelta, platforms: Collection[str], limit: int
    ) -> ClaimBatch:
        """One write transaction decides, claims and reschedules a batch: a claim that commits
        is a reminder this process must send, and no other process or tick can claim it.

        Several workers claim at once on PostgreSQL: each locks the due users' rows it reads
        (``FOR UPDATE SKIP LOCKED``), so concurrent claims take disjoint batches and never wait
        for each other; a user whose row a chat write holds just now is skipped and stays due
        for the next pass. SQLite ignores the clause: ``BEGIN IMMEDIATE`` serialises claims.

        A day already claimed (the user moved their reminder later after it went out) is
        skipped, keeping the new schedule. The batch's rows go in with one multi-row INSERT;
        only if ``claim_reminder`` claimed one of them meanwhile (possible on PostgreSQL, not
        under SQLite's ``BEGIN IMMEDIATE``) does it fall back to one savepoint per row."""
        late: list[tuple[int, date]] = []
        wanted: list[tuple[User, date]] = []
        with self._write() as session:
            due = session.scalars(
                select(User)
                .where(
                    User.next_reminder_utc <= now,
                    User.reminders_on,
                    User.remind_at.is_not(None),
                    User.platform.in_(list(platforms)),
                )
                .order_by(User.next_reminder_utc)
                .limit(limit)
                .with_for_update(skip_locked=True)
            ).all()
            for user in due:
                assert user.remind_at is not None  # filtered above; narrows the type
                decision = reminders.decide(user.remind_at, user.timezone, now, grace)
                user.next_reminder_utc = decision.next_utc
                if decision.late is not None:
                    late.append((user.id, decision.late))
                elif decision.send_for is not None:
                    wanted.append((user, decision.send_for))
            claimed_days = {
                (user_id, day)
                for user_id, day in session.execute(
                    select(ReminderLog.user_id, ReminderLog.local_date).where(
                        ReminderLog.user_id.in_([user.id for user, _ in wanted]),
                        ReminderLog.local_date.in_({day for _, day in wanted}),
                    )
                )
            }
            wanted = [(user, day) for user, day in wanted if (user.id, day) not in claimed_days]

            def log_row(user: User, day: date) -> ReminderLog:
                return ReminderLog(
                    user_id=user.id, local_date=day, status=reminders.CLAIMED, created=now
                )

            rows = [(user, log_row(user, day)) for user, day in wanted]
            try:
                with session.begin_nested():
                    session.add_all([row for _, row in rows])
            except IntegrityError:
                rows = [(user, log_row(user, day)) for user, day in wanted]
                rows = [(user, row) for user, row in rows if _insert_unless_duplicate(session, row)]
            claims = [
                ReminderClaim(row.id, _user_record(user), row.local_date) for user, row in rows
            ]
        return ClaimBatch(claims, late)

    def reclaim_orphans(
        self, claimed_before: datetime, late_before: datetime, limit: int
    ) -> ClaimBatch:
        """Each orphan goes to one worker: on PostgreSQL the log rows read are locked
        (``FOR UPDATE SKIP LOCKED``, the log rows only, so chats writing to those users carry
        on), and a row another worker is taking is skipped, not waited for; under SQLite's
        ``BEGIN IMMEDIATE`` one worker reclaims at a time."""
        claims: list[ReminderClaim] = []
        late: list[tuple[int, date]] = []
        with self._write() as session:
            orphans = session.execute(
                select(ReminderLog, User)
                .join(User, User.id == ReminderLog.user_id)
                .where(
                    ReminderLog.status == reminders.CLAIMED,
                    ReminderLog.created < claimed_before,
                )
                .order_by(ReminderLog.created)
                .limit(limit)
                .with_for_update(skip_locked=True, of=ReminderLog)
            ).all()
            for log, user in orphans:
                if log.created < late_before:
                    log.status = reminders.MISSED
                    late.append((user.id, log.local_date))
                else:
                    log.status = reminders.RETRIED
                    claims.append(ReminderClaim(log.id, _user_record(user), log.local_date))
        return ClaimBatch(claims, late)

    def finish_reminders(self, outcomes: Sequence[tuple[int, str]]) -> None:
        """A row deleted meanwhile (the user sent /forget) simply stays deleted."""
        with self._write() as session:
            for status in {status for _, status in outcomes}:
                ids = [log_id for log_id, done in outcomes if done == status]
                session.execute(
                    update(ReminderLog).where(ReminderLog.id.in_(ids)).values(status=status)
                )

    def block_reminders(self, user_id: int) -> None:
        with self._write() as session:
            session.execute(
                update(User)
                .where(User.id == user_id)
                .values(reminders_on=False, next_reminder_utc=None, reminders_blocked=True)
            )

    def clear_reminders_blocked(self, user_id: int) -> None:
        with self._write() as session:
            session.execute(update(User).where(User.id == user_id).values(reminders_blocked=False))

    # ---- conversation ---------------------------------------------------------------------

    def add_turn(self, user_id: int, role: str, text: str) -> None:
        with self._write() as session:
            _lock_user(session, user_id)
            self._add_turns(session, user_id, [(role, text)])

    def save_answer(self, user_id: int, question: str, answer: str, sources: Sequence[str]) -> None:
        """The question and answer as turns, and what the answer came from, in one
        transaction: a "sources?" never names the sources of an answer that was not kept."""
        with self._write() as session:
            _lock_user(session, user_id)
            self._add_turns(session, user_id, [("user", question), ("assistant", answer)])
            row = session.get(AnswerSources, user_id)
            if row is None:
                row = AnswerSources(user_id=user_id)
                session.add(row)
            row.sources = list(sources)
            row.updated = self._clock()

    def last_sources(self, user_id: int) -> tuple[str, ...]:
        with self._read() as session:
            row = session.get(AnswerSources, user_id)
            return () if row is None else tuple(row.sources)

    def _add_turns(self, session: Session, user_id: int, turns: Sequence[tuple[str, str]]) -> None:
        """Append the turns, then drop the oldest beyond the cap, in the caller's transaction
        (which holds the user's row lock)."""
        now = self._clock()
        session.add_all(
            ConversationTurn(user_id=user_id, role=role, text=text, created=now)
            for role, text in turns
        )
        session.flush()
        # The newest turn beyond the cap; it and everything older goes, in this transaction.
        oldest_dropped = session.scalar(
            select(ConversationTurn.id)
            .where(ConversationTurn.user_id == user_id)
            .order_by(ConversationTurn.id.desc())
            .offset(self._turns_kept)
            .limit(1)
        )
        if oldest_dropped is not None:
            session.execute(
                delete(ConversationTurn).where(
                    ConversationTurn.user_id == user_id, ConversationTurn.id <= oldest_dropped
                )
            )

    def recent_turns(self, user_id: int, limit: int) -> list[Turn]:
        with self._read() as session:
            rows = session.execute(
                select(ConversationTurn.role, ConversationTurn.text)
                .where(ConversationTurn.user_id == user_id)
                .order_by(ConversationTurn.id.desc())
                .limit(max(limit, 0))
            ).all()
            return [Turn(role=role, text=text) for role, text in reversed(rows)]

    # ---- forgetting -----------------------------------------------------------------------

    def forget(self, user_id: int) -> None:
        with self._write() as session:
            _delete_user(session, user_id)
        self._scrub()

    def request_forget(self, user_id: int, expires: datetime) -> bool:
        with self._write() as session:
            found = _updated(
                session, update(User).where(User.id == user_id).values(forget_expires=expires)
            )
            return found == 1

    def confirm_forget(self, user_id: int, now: datetime) -> bool:
        """The conditional UPDATE is the check: on PostgreSQL too, only one of two concurrent
        confirmations matches a pending, unexpired request."""
        with self._write() as session:
            pending = _updated(
                session,
                update(User)
                .where(User.id == user_id, User.forget_expires >= now)
                .values(forget_expires=None),
            )
            if pending != 1:
                session.execute(update(User).where(User.id == user_id).values(forget_expires=None))
                return False
            _delete_user(session, user_id)
        self._scrub()
        return True

    def _scrub(self) -> None:
        """After the delete commits: secure_delete zeroed the rows in the database pages; the
        checkpoint removes the WAL's copies of those pages from before the delete."""
        with self._sessions() as session:
            engine = session.get_bind()
        if isinstance(engine, Engine):
            db.checkpoint(engine)


def _delete_user(session: Session, user_id: int) -> None:
    """Deletes explicitly from every table with a ``user_id`` column, children first, so nothing
    survives even on a connection without foreign key enforcement, and a table added later is
    covered without touching this function."""
    for table in reversed(metadata.sorted_tables):
        if "user_id" in table.c:
            session.execute(delete(table).where(table.c.user_id == user_id))
    session.execute(delete(User).where(User.id == user_id))


def _lock_user(session: Session, user_id: int) -> None:
    """Row lock on PostgreSQL until the transaction ends (a no-op on SQLite, whose write
    transactions already exclude each other). Taken before any insert, whose foreign key check
    share-locks the same row: two transactions upgrading that lock would deadlock."""
    session.execute(select(User.id).where(User.id == user_id).with_for_update())


def _active_row(session: Session, user_id: int) -> PlanRow | None:
    return session.scalars(
        select(PlanRow)
        .where(PlanRow.user_id == user_id, PlanRow.active)
        .order_by(PlanRow.id.desc())
        .limit(1)
    ).first()


def _active_plan(session: Session, user_id: int) -> PlanRecord | None:
    row = _active_row(session, user_id)
    return None if row is None else _plan_record(row)


def _find_user(session: Session, platform: str, platform_user_id: str) -> User | None:
    return session.scalars(
        select(User).where(User.platform == platform, User.platform_user_id == platform_user_id)
    ).first()


def _updated(session: Session, statement: Update) -> int:
    """Rows an UPDATE matched. ``Session.execute`` is typed as returning a plain ``Result``, but
    for DML it is the ``CursorResult`` that counts them."""
    return cast("CursorResult[Any]", session.execute(statement)).rowcount


def _insert_unless_duplicate(session: Session, row: Any) -> bool:
    """Insert ``row`` in a savepoint; False, with the transaction intact, if a constraint
    refused it (a concurrent duplicate, or a bad foreign key: callers tell the two apart)."""
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return False
    return True


def _user_record(row: User) -> UserRecord:
    return UserRecord(
        id=row.id,
        platform=row.platform,
        platform_user_id=row.platform_user_id,
        display_name=row.display_name,
        timezone=row.timezone,
        remind_at=row.remind_at,
        reminders_on=row.reminders_on,
        reminders_blocked=row.reminders_blocked,
    )


def _plan_record(row: PlanRow) -> PlanRecord:
    return PlanRecord(
        id=row.id,
        request=row.request,
        plan=row.plan,
        created=row.created,
        version=row.version,
        reason=row.reason,
    )
